package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a catalog file, located to a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// document is the top level of a catalog file.
type document struct {
	Version int     `yaml:"version"`
	Servers []Entry `yaml:"servers"`
}

// Parse reads a catalog file (YAML, or JSON, which YAML accepts), rejecting
// unknown fields, and validates every entry. file names the source in errors.
func Parse(data []byte, file string) ([]Entry, error) {
	fail := func(line int, format string, args ...any) error {
		return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}

	// The node tree gives each entry's line; the strict decode rejects typos.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlErrorLine(err)
		return nil, fail(line, "%s", msg)
	}
	if root.Kind == 0 {
		return nil, fail(0, "file is empty: it needs `version: %d` and a `servers:` list", FormatVersion)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc document
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		line, msg := yamlErrorLine(err)
		return nil, fail(line, "%s", msg)
	}
	if doc.Version != FormatVersion {
		return nil, fail(keyLine(root.Content[0], "version"),
			"catalog format version %d is not supported: this build reads `version: %d`", doc.Version, FormatVersion)
	}

	items := entryNodes(root.Content[0])
	seen := map[string]int{}
	for i := range doc.Servers {
		e := &doc.Servers[i]
		line := 0
		if i < len(items) {
			line = items[i].Line
		}
		e.Source = Source{File: file, Line: line}
		if err := e.normalize(); err != nil {
			var fe *fieldError
			if errors.As(err, &fe) && i < len(items) {
				if l := keyLine(items[i], fe.field); l > 0 {
					line = l
				}
			}
			return nil, fail(line, "server %q: %v", e.Name, err)
		}
		if prev, dup := seen[e.Name]; dup {
			return nil, fail(line, "server %q is defined twice (first at line %d)", e.Name, prev)
		}
		seen[e.Name] = line
	}
	return doc.Servers, nil
}

// entryNodes returns the mapping nodes of the `servers:` list.
func entryNodes(top *yaml.Node) []*yaml.Node {
	if top.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "servers" && top.Content[i+1].Kind == yaml.SequenceNode {
			return top.Content[i+1].Content
		}
	}
	return nil
}

// keyLine finds the line of a dotted key path (e.g. "permissions.memory")
// inside a mapping node, or 0.
func keyLine(n *yaml.Node, path string) int {
	head, rest, _ := strings.Cut(path, ".")
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != head {
			continue
		}
		if rest == "" {
			return n.Content[i].Line
		}
		if l := keyLine(n.Content[i+1], rest); l > 0 {
			return l
		}
		return n.Content[i].Line
	}
	return 0
}

var (
	yamlLineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type catalog\.(\w+)$`)
	wrongTypeRE    = regexp.MustCompile(`^cannot unmarshal !!\w+ (.*) into (\S+)$`)
	goTypeWords    = map[string]string{
		"[]string": "a list of strings", "map[string]string": "a mapping of names to strings",
		"int": "a whole number", "int64": "a whole number", "float64": "a number",
		"bool": "true or false", "string": "a string",
	}
	fieldKinds = map[string]string{
		"document": "the top level (allowed: version, servers)", "Entry": "a server entry",
		"Permissions": "permissions", "Mount": "a mount", "HTTPEndpoint": "http", "Signature": "signature",
	}
)

// yamlErrorLine turns yaml.v3's (possibly multi-line) error into a line
// number and a one-line message; only the first problem is reported.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	line, _ := strconv.Atoi(m[1])
	detail := m[2]
	if u := unknownFieldRE.FindStringSubmatch(detail); u != nil {
		detail = fmt.Sprintf("unknown field %q in %s; see docs/catalog.md for the format", u[1], fieldKinds[u[2]])
	} else if w := wrongTypeRE.FindStringSubmatch(detail); w != nil {
		want, ok := goTypeWords[w[2]]
		if !ok {
			want = "a mapping"
		}
		detail = fmt.Sprintf("expected %s, found %s", want, w[1])
	}
	return line, detail
}
