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

// adminPath gives the administrator's policy file, a fixed system path
// (systemAdminPath). It is a variable only so this package's tests can
// point it elsewhere; nothing a user sets at run time changes it.
var adminPath = systemAdminPath

// policyEnv names a policy file to use on a machine whose administrator
// has set none (a trial, a test). It can never replace or weaken the
// system file: while that exists, setting it is an error.
const policyEnv = "BULKHEAD_POLICY"

// AdminPath is where an administrator puts the machine's policy.
func AdminPath() (string, error) { return adminPath() }

// Admin is what an administrator sets for every user of a machine, in a
// file the user interface only reads. It wins over a user's choices.
type Admin struct {
	Images struct {
		// Allow lists the registries and namespaces images may come from.
		Allow sandbox.ImageSources `yaml:"allow" json:"allow"`
	} `yaml:"images" json:"images"`
	// Tools force calls to be asked about or denied.
	Tools []AdminRule `yaml:"tools" json:"tools"`
	// Source is the file this policy was read from, "" for none.
	Source string `yaml:"-" json:"-"`
}

// AdminRule forces an action on a server's tools; "*" matches any.
type AdminRule struct {
	Server string `yaml:"server" json:"server"`
	Tool   string `yaml:"tool" json:"tool"`
	Action Action `yaml:"action" json:"action"`
}

// LoadAdmin reads the administrator's policy: the system file when it
// exists, else the file policyEnv names, if any. Either must be a regular
// file that only root (or, for policyEnv's, the user running Bulkhead)
// owns and can change, on a path no one else can change either. A policy
// that cannot be trusted, read or parsed stops Bulkhead rather than being
// ignored; a missing system file is no policy.
func LoadAdmin() (Admin, error) {
	system, err := adminPath()
	if err != nil {
		return Admin{}, err
	}
	env := os.Getenv(policyEnv)
	_, err = resolveTrusted(system, false)
	switch {
	case err == nil && env != "":
		return Admin{}, fmt.Errorf("%s names %s, but this machine's administrator policy %s applies and nothing replaces it: unset %s", policyEnv, env, system, policyEnv)
	case err == nil:
		return readAdmin(system, false)
	case !errors.Is(err, fs.ErrNotExist):
		return Admin{}, fmt.Errorf("administrator policy %s: %v", system, err)
	}
	if _, err := os.Lstat(system); err == nil {
		return Admin{}, fmt.Errorf("administrator policy %s is a link to a file that does not exist: point it at the policy, or remove it", system)
	}
	if env != "" {
		return readAdmin(env, true)
	}
	return Admin{}, nil
}

// readAdmin reads and checks a policy file; userMayOwn accepts a file of
// the user running Bulkhead as well as root's.
func readAdmin(path string, userMayOwn bool) (Admin, error) {
	var p Admin
	b, err := readTrusted(path, userMayOwn)
	if errors.Is(err, fs.ErrNotExist) && userMayOwn {
		return p, fmt.Errorf("administrator policy %s does not exist: create it, or unset %s", path, policyEnv)
	}
	if err != nil {
		return p, fmt.Errorf("administrator policy %s: %v", path, err)
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
	p.Source = path
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
