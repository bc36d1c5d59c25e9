// Package scan looks for instructions smuggled to a model: in the text of
// tool, prompt and resource definitions (tool poisoning, line jumping) and
// in what tools return (prompt injection). Each finding names its rule,
// where it is and why, in one line; control and invisible characters in
// excerpts are escaped.
package scan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Severity orders findings; Medium and above withhold a definition.
type Severity int

const (
	Low Severity = iota + 1
	Medium
	High
)

func (s Severity) String() string {
	switch s {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	}
	return strconv.Itoa(int(s))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	for _, v := range []Severity{Low, Medium, High} {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Finding is one suspicious span.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Field    string   `json:"field"` // JSON path of the text, e.g. inputSchema.properties.q.description
	Start    int      `json:"start"` // byte offsets of the span in that text
	End      int      `json:"end"`
	Excerpt  string   `json:"excerpt"` // the span, escaped
	Reason   string   `json:"reason"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s [%s] %s: %s: \"%s\"", f.Rule, f.Severity, f.Field, f.Reason, f.Excerpt) // Excerpt is escaped already
}

// Blocks reports whether any finding is serious enough to withhold.
func Blocks(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity >= Medium })
}

// Context is what a definition is judged against: the other servers'
// tools, for shadowing and look-alike names. Build it with NewContext.
type Context struct {
	others      map[string]string   // tool name -> its server
	skeletons   map[string][]string // skeleton -> tool names
	mentionable map[string]string   // lower-cased tool-like name -> tool name
}

// NewContext prepares the other servers' tools (name -> server) once for
// the scans of many definitions.
func NewContext(otherTools map[string]string) *Context {
	c := &Context{others: otherTools, skeletons: map[string][]string{}, mentionable: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(otherTools)) {
		c.skeletons[skeleton(name)] = append(c.skeletons[skeleton(name)], name)
		if toolLike(name) {
			c.mentionable[strings.ToLower(name)] = name
		}
	}
	return c
}

// Definition scans every text a model reads in a definition (names,
// titles, descriptions, schema text, defaults, enum values), given as
// decoded JSON.
func Definition(def any, ctx *Context) []Finding {
	if ctx == nil {
		ctx = NewContext(nil)
	}
	var out []Finding
	walkText(def, "", func(field, text string, isName bool) {
		out = append(out, Text(field, text)...)
		if isName {
			out = append(out, names(field, text, ctx)...)
		} else {
			out = append(out, shadowing(field, text, ctx)...)
		}
		if isParamDescription(field) || strings.HasSuffix(field, "#name") {
			out = append(out, exfilParameter(field, text)...)
		}
	})
	return out
}

// DefinitionJSON scans a definition given as JSON.
func DefinitionJSON(doc []byte, ctx *Context) ([]Finding, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return Definition(v, ctx), nil
}

// walkText calls fn for every string in v with its path; isName marks a
// definition's own name.
func walkText(v any, path string, fn func(field, text string, isName bool)) {
	switch v := v.(type) {
	case string:
		fn(path, v, path == "name")
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if path != "" && (lastKey(path) == "properties") {
				// A property's name is text the model reads too.
				fn(p+"#name", k, false)
			}
			walkText(v[k], p, fn)
		}
	case []any:
		for i, e := range v {
			walkText(e, path+"["+strconv.Itoa(i)+"]", fn)
		}
	}
}

func lastKey(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' {
			return path[i+1:]
		}
	}
	return path
}
