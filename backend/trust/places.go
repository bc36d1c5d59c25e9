package trust

// place is where a value stands in what is pinned, which says whether an
// array there is a set (sorted) or a list (kept in order). Arrays are lists
// unless a JSON Schema keyword makes them a set: by the JSON Schema spec
// (2020-12, and draft 7's dependencies) the order of "type", "enum",
// "required" and "dependentRequired" names and of "allOf", "anyOf" and
// "oneOf" schemas does not change what validates. A keyword counts only
// where it really is one, inside a schema: a property called "required"
// is a schema, not a set, and "required" in a launch spec or a tool's
// annotations is data. Defaults, consts, examples and every other value
// keep their order.
type place uint8

const (
	value         place = iota // data: every array in order (launch specs, default, const, examples)
	definition                 // an MCP definition: its inputSchema and outputSchema are schemas
	schema                     // a JSON Schema; as an array, the items or prefixItems list of them
	schemaMap                  // properties, $defs...: each member a schema
	valueSet                   // type, enum, required: a set of values
	schemaSet                  // allOf, anyOf, oneOf: a set of schemas
	setMap                     // dependentRequired: each member a set of names
	dependencyMap              // draft 7's dependencies: each member a schema or a set of names
	schemaOrSet                // a member of dependencies
	legacy                     // schemeSortedArrays: every array a set...
	legacyOrdered              // ...but those under items and prefixItems
)

// member is the place of an object's member k.
func (p place) member(k string) place {
	switch p {
	case definition:
		if k == "inputSchema" || k == "outputSchema" {
			return schema
		}
	case schema, schemaOrSet:
		return keywordPlace(k)
	case schemaMap:
		return schema
	case setMap:
		return valueSet
	case dependencyMap:
		return schemaOrSet
	case legacy, legacyOrdered:
		if k == "items" || k == "prefixItems" {
			return legacyOrdered
		}
		return legacy
	}
	return value
}

// element is the place of an array's elements.
func (p place) element() place {
	switch p {
	case schema, schemaSet:
		return schema
	case legacy, legacyOrdered:
		return legacy
	}
	return value
}

// isSet reports whether an array here is a set.
func (p place) isSet() bool {
	switch p {
	case valueSet, schemaSet, schemaOrSet, legacy:
		return true
	}
	return false
}

// keywordPlace is the place of what keyword k of a schema holds.
func keywordPlace(k string) place {
	switch k {
	case "type", "enum", "required":
		return valueSet
	case "allOf", "anyOf", "oneOf":
		return schemaSet
	case "items", "prefixItems", "additionalItems", "contains", "additionalProperties", "propertyNames",
		"unevaluatedItems", "unevaluatedProperties", "not", "if", "then", "else", "contentSchema":
		return schema
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
		return schemaMap
	case "dependentRequired":
		return setMap
	case "dependencies":
		return dependencyMap
	}
	return value
}
