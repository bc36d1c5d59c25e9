package trust

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Canonical re-encodes a definition (a tool, prompt, resource template...)
// so that only a change of meaning changes it: object keys sorted, no
// insignificant space, one spelling per number (1, 1.0 and 1e0 are the
// same), and the arrays whose order means nothing sorted. Arrays keep their
// order unless a JSON Schema keyword holding them makes them a set; see
// place.
func Canonical(doc []byte) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	return encodeCanonical(v, definition)
}

// Hash is the hex SHA-256 of definition v's canonical JSON.
func Hash(v any) (string, error) {
	f, err := canonicalize(v, definition)
	return f.hash, err
}

// Canonical schemes, recorded with each pin (store.DefinitionPin.Scheme):
// how the pinned JSON was made canonical.
const (
	// schemeSortedArrays sorted every array but those under items and
	// prefixItems, launch specs' included. Pins made before schemes were
	// recorded are of this scheme.
	schemeSortedArrays = 1
	// schemeOrdered keeps every array in order but JSON Schema's sets.
	schemeOrdered = 2
)

// canonicalForm is a value as it is pinned: its canonical JSON and that
// JSON's hex SHA-256, with the value as decoded from JSON for the scanner.
type canonicalForm struct {
	json    []byte
	hash    string
	decoded any
}

// canonicalize gives v's canonical form, v read as at (definition for
// what a server offers, value for a launch spec).
func canonicalize(v any, at place) (canonicalForm, error) {
	decoded, err := decodeValue(v)
	if err != nil {
		return canonicalForm{}, err
	}
	return formOf(decoded, at)
}

func formOf(decoded any, at place) (canonicalForm, error) {
	c, err := encodeCanonical(decoded, at)
	if err != nil {
		return canonicalForm{}, err
	}
	sum := sha256.Sum256(c)
	return canonicalForm{json: c, hash: hex.EncodeToString(sum[:]), decoded: decoded}, nil
}

// decodeValue turns v into what decode gives for its JSON.
func decodeValue(v any) (any, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decode(doc)
}

// decode reads one JSON value, keeping numbers as written.
func decode(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("canonical JSON: more than one value")
	}
	return v, nil
}

func encodeCanonical(v any, at place) ([]byte, error) {
	var buf bytes.Buffer
	if err := encode(&buf, v, at); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encode(buf *bytes.Buffer, v any, at place) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case string:
		s, _ := json.Marshal(v)
		buf.Write(s)
	case json.Number:
		n, err := number(v)
		if err != nil {
			return err
		}
		buf.WriteString(n)
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(k)
			buf.Write(key)
			buf.WriteByte(':')
			if err := encode(buf, v[k], at.member(k)); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		elems := make([][]byte, len(v))
		for i, e := range v {
			var eb bytes.Buffer
			if err := encode(&eb, e, at.element()); err != nil {
				return err
			}
			elems[i] = eb.Bytes()
		}
		if at.isSet() {
			slices.SortFunc(elems, bytes.Compare)
		}
		buf.WriteByte('[')
		buf.Write(bytes.Join(elems, []byte{','}))
		buf.WriteByte(']')
	default:
		return fmt.Errorf("canonical JSON: unexpected %T", v)
	}
	return nil
}

// number spells a JSON number one way: integers without a fraction or
// exponent, others in Go's shortest round-tripping form.
func number(n json.Number) (string, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return "", fmt.Errorf("canonical JSON: number %s out of range", n)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10), nil
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}
