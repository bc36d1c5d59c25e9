package trust

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzCanonical: whatever JSON comes in, the canonical form is valid JSON,
// canonical again unchanged, and the same for a re-spelling of the input
// (keys reordered and spaces changed by a decode and encode).
func FuzzCanonical(f *testing.F) {
	for _, seed := range []string{
		`{"name":"get_time","inputSchema":{"type":"object","required":["b","a"],"properties":{"a":{"type":"number","default":1.0}}}}`,
		`{"b":1e0,"a":[3,1,2],"prefixItems":[{"x":1},{"y":2}],"s":"\u00e9\ud83d\ude00"}`,
		`[1, "1", 1.5e300, -0, 0.1, 100000000000000000000000]`,
		`{"enum":[{"a":1},{"a":1},null,true,false]}`,
		`"plain"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Canonical(doc)
		if err != nil {
			return
		}
		if !json.Valid(c) {
			t.Fatalf("canonical form is not JSON: %s", c)
		}
		again, err := Canonical(c)
		if err != nil || !bytes.Equal(again, c) {
			t.Fatalf("not a fixed point:\n%s\n%s (%v)", c, again, err)
		}
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		respelt, _ := json.MarshalIndent(v, "", "  ")
		if c2, err := Canonical(respelt); err == nil && !bytes.Equal(c2, c) {
			t.Fatalf("a re-spelling changed the canonical form:\n%s\n%s", c, c2)
		}
	})
}
