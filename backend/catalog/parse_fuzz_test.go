package catalog

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary files to the catalog parser: it never panics,
// every failure is an *Error naming the file, and every entry it accepts
// has a valid name, a known transport and limits within range.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("version: 1\nservers: []\n"))
	f.Add([]byte(`{"version": 1, "servers": [{"name": "x", "image": "a/b"}]}`))
	f.Add([]byte("version: 1\nservers:\n  - name: a\n    image: a\n    permissions: {network: [\"h:1\"], memory: 1GiB}\n  - name: a\n    image: b\n"))
	f.Add([]byte("version: 1\nservers:\n  - &a {name: x, image: y}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.yaml" || e.Msg == "" {
				t.Fatalf("failure is not a file:line error: %#v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if !ValidName(e.Name) || seen[e.Name] {
				t.Fatalf("accepted a bad or repeated name %q", e.Name)
			}
			seen[e.Name] = true
			if e.Transport != TransportStdio && e.Transport != TransportHTTP {
				t.Fatalf("accepted transport %q", e.Transport)
			}
			if p := e.Permissions; p.CPU <= 0 || p.Memory <= 0 || p.Pids <= 0 || p.Tmpfs <= 0 {
				t.Fatalf("accepted limits %+v", p)
			}
		}
	})
}
