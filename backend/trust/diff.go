package trust

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// FieldChange is one field that differs between two versions of a
// definition. Old or New is empty where the field is absent.
type FieldChange struct {
	Path string `json:"path"`
	Old  string `json:"old"` // the field's JSON
	New  string `json:"new"`
}

// Diff compares two versions of a definition field by field, in path order.
func Diff(oldDoc, newDoc string) ([]FieldChange, error) {
	before, err := flatten(oldDoc)
	if err != nil {
		return nil, err
	}
	after, err := flatten(newDoc)
	if err != nil {
		return nil, err
	}
	fields := maps.Clone(before)
	maps.Copy(fields, after)
	var out []FieldChange
	for _, p := range slices.Sorted(maps.Keys(fields)) {
		if before[p] != after[p] {
			out = append(out, FieldChange{Path: p, Old: before[p], New: after[p]})
		}
	}
	return out, nil
}

// flatten maps each leaf's path (a.b[0].c) to its JSON.
func flatten(doc string) (map[string]string, error) {
	var v any
	if doc != "" {
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 {
				out[path] = "{}"
			}
			for k, e := range v {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, e)
			}
		case []any:
			if len(v) == 0 {
				out[path] = "[]"
			}
			for i, e := range v {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		default:
			b, _ := json.Marshal(v)
			out[path] = string(b)
		}
	}
	if doc != "" {
		walk("", v)
	}
	return out, nil
}
