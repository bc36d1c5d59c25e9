package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

//go:embed builtin.yaml
var builtinYAML []byte

// Builtin returns the catalog embedded in the binary.
func Builtin() []Entry {
	entries, err := Parse(builtinYAML, "builtin.yaml")
	if err != nil {
		panic("the built-in catalog is invalid: " + err.Error()) // caught by tests
	}
	for i := range entries {
		entries[i].Source = Source{Builtin: true}
	}
	return entries
}

// Load merges the built-in catalog with the user's catalog file at path.
// A missing file is fine unless required (the user named it explicitly).
// User entries add servers; they may not redefine a built-in one, which
// would let a file impersonate a verified server.
func Load(path string, required bool) (*Catalog, error) {
	c := &Catalog{Entries: Builtin()}
	if path == "" {
		return c, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	user, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	for _, e := range user {
		if _, taken := c.Lookup(e.Name); taken {
			return nil, &Error{File: path, Line: e.Source.Line,
				Msg: fmt.Sprintf("server %q is already defined by the built-in catalog; give yours another name", e.Name)}
		}
		c.Entries = append(c.Entries, e)
	}
	return c, nil
}
