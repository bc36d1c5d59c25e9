package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// DefaultAdminPath is where an administrator puts the machine's policy.
const DefaultAdminPath = "/etc/bulkhead/policy.yaml"

// Admin is what an administrator sets for every user of a machine, in a
// file the user interface only reads. It wins over a user's choices.
type Admin struct {
	Images struct {
		// Allow lists the registries and namespaces images may come from.
		Allow sandbox.ImageSources `yaml:"allow" json:"allow"`
	} `yaml:"images" json:"images"`
	// Tools force calls to be asked about or denied.
	Tools []AdminRule `yaml:"tools" json:"tools"`
}

// AdminRule forces an action on a server's tools; "*" matches any.
type AdminRule struct {
	Server string `yaml:"server" json:"server"`
	Tool   string `yaml:"tool" json:"tool"`
	Action Action `yaml:"action" json:"action"`
}

// LoadAdmin reads the administrator's policy at path; a missing file is an
// empty policy, one that cannot be read or parsed stops Bulkhead rather than
// being ignored.
func LoadAdmin(path string) (Admin, error) {
	var p Admin
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("administrator policy %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("administrator policy %s: %v: fix the file or ask its administrator", path, err)
	}
	for i, r := range p.Tools {
		if r.Action != Deny && r.Action != Ask {
			return p, fmt.Errorf("administrator policy %s: tools[%d]: action %q: an administrator can force deny or ask", path, i, r.Action)
		}
		if r.Server == "" {
			return p, fmt.Errorf("administrator policy %s: tools[%d]: name a server, or \"*\" for all", path, i)
		}
	}
	return p, nil
}

// rule finds the strictest administrator rule for a tool.
func (p Admin) rule(server, tool string) (AdminRule, bool) {
	var best AdminRule
	found := false
	for _, r := range p.Tools {
		if (r.Server == "*" || r.Server == server) && (r.Tool == "" || r.Tool == "*" || r.Tool == tool) {
			if !found || r.Action.strictness() > best.Action.strictness() {
				best, found = r, true
			}
		}
	}
	return best, found
}
