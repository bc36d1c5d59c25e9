package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const denyDelete = "tools:\n  - {server: \"*\", tool: delete_repository, action: deny}\n"

// systemPolicyAt points the system path at path for one test.
func systemPolicyAt(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to make files only root owns")
	}
	old := adminPath
	adminPath = func() (string, error) { return path, nil }
	t.Cleanup(func() { adminPath = old })
	t.Setenv(policyEnv, "")
}

// trustedDir makes a directory as an administrator would: root's, 0755.
func trustedDir(t *testing.T, elem ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{t.TempDir()}, elem...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writePolicy writes a policy file with exactly this mode.
func writePolicy(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func wantRefused(t *testing.T, why string) {
	t.Helper()
	p, err := LoadAdmin()
	if err == nil {
		t.Fatalf("%s: loaded %+v, want a refusal", why, p)
	}
	if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "administrator policy ") {
		t.Errorf("%s: error %q should be one line naming the administrator policy", why, err)
	}
	t.Logf("%s: %v", why, err)
}

func wantDenyDelete(t *testing.T, source string) {
	t.Helper()
	p, err := LoadAdmin()
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := p.rule("github", "delete_repository"); !ok || r.Action != Deny || p.Source != source {
		t.Fatalf("policy %+v from %q: want the deny rule of %s", p, p.Source, source)
	}
}

// TestAdminPolicyIsReadFromARootOwnedFile: a root-owned 0644 file in root's
// 0755 directories is the policy, also under a sticky directory like /tmp;
// no file there is no policy.
func TestAdminPolicyIsReadFromARootOwnedFile(t *testing.T) {
	dir := trustedDir(t, "etc", "bulkhead")
	path := filepath.Join(dir, "policy.yaml")
	systemPolicyAt(t, path)
	if p, err := LoadAdmin(); err != nil || p.Source != "" || len(p.Tools) != 0 {
		t.Fatalf("without a file: %+v, %v; want no policy", p, err)
	}
	writePolicy(t, path, denyDelete, 0o644)
	wantDenyDelete(t, path)

	sticky := trustedDir(t, "tmp", "bulkhead")
	if err := os.Chmod(filepath.Dir(sticky), os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	path = writePolicy(t, filepath.Join(sticky, "policy.yaml"), denyDelete, 0o644)
	systemPolicyAt(t, path)
	wantDenyDelete(t, path)
}

// TestAdminPolicyOthersCanChangeIsRefused: a file, or a directory above
// it, that another user owns or that group or others can write is refused,
// and Bulkhead does not go on without it.
func TestAdminPolicyOthersCanChangeIsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		spoil func(dir, file string) error
	}{
		{"a file anyone can write (0666)", func(_, file string) error { return os.Chmod(file, 0o666) }},
		{"a file its group can write", func(_, file string) error { return os.Chmod(file, 0o664) }},
		{"a file another user owns", func(_, file string) error { return os.Chown(file, 65534, 65534) }},
		{"a directory anyone can write", func(dir, _ string) error { return os.Chmod(dir, 0o777) }},
		{"a directory another user owns", func(dir, _ string) error { return os.Chown(dir, 65534, 65534) }},
		{"a directory higher up anyone can write", func(dir, _ string) error { return os.Chmod(filepath.Dir(dir), 0o777) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := trustedDir(t, "etc", "bulkhead")
			file := writePolicy(t, filepath.Join(dir, "policy.yaml"), denyDelete, 0o644)
			systemPolicyAt(t, file)
			wantDenyDelete(t, file)
			if err := c.spoil(dir, file); err != nil {
				t.Fatal(err)
			}
			wantRefused(t, c.name)
		})
	}

	t.Run("no file, in a directory anyone can write", func(t *testing.T) {
		dir := trustedDir(t, "etc", "bulkhead")
		os.Chmod(dir, 0o777) // whoever can write it can delete the policy
		systemPolicyAt(t, filepath.Join(dir, "policy.yaml"))
		wantRefused(t, "an absence others could have made")
	})
}

// TestAdminPolicyThroughALinkIsCheckedWhereItLeads: a link at the system
// path is followed and what it leads to, file and directories, must be as
// trustworthy as the path itself.
func TestAdminPolicyThroughALinkIsCheckedWhereItLeads(t *testing.T) {
	dir := trustedDir(t, "etc", "bulkhead")
	path := filepath.Join(dir, "policy.yaml")
	systemPolicyAt(t, path)
	link := func(target string) {
		t.Helper()
		os.Remove(path)
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}

	good := writePolicy(t, filepath.Join(trustedDir(t, "srv"), "policy.yaml"), denyDelete, 0o644)
	link(good)
	wantDenyDelete(t, path)
	rel, _ := filepath.Rel(dir, good)
	link(rel)
	wantDenyDelete(t, path)

	link(writePolicy(t, filepath.Join(trustedDir(t, "home"), "p.yaml"), "", 0o666))
	wantRefused(t, "a link to a file anyone can write")

	open := trustedDir(t, "shared")
	os.Chmod(open, 0o777)
	link(writePolicy(t, filepath.Join(open, "p.yaml"), "", 0o644))
	wantRefused(t, "a link to a good file in a directory anyone can write")

	// A directory link: the policy file sits in root's directory, but the
	// link to that directory sits where anyone can re-point it.
	os.Remove(path)
	os.Symlink(filepath.Join(open, "dirlink"), path+".d")
	os.Symlink(filepath.Dir(good), filepath.Join(open, "dirlink"))
	link(filepath.Join(path+".d", "policy.yaml"))
	wantRefused(t, "a link through a link others can re-point")

	link(filepath.Join(dir, "gone.yaml"))
	wantRefused(t, "a link to nothing")
}

// TestPolicyEnvCannotRemoveTheSystemPolicy: BULKHEAD_POLICY naming an
// empty file, a missing one or a good one never replaces the system file;
// without one it may name a trustworthy file, and only that.
func TestPolicyEnvCannotRemoveTheSystemPolicy(t *testing.T) {
	dir := trustedDir(t, "etc", "bulkhead")
	system := writePolicy(t, filepath.Join(dir, "policy.yaml"), denyDelete, 0o644)
	systemPolicyAt(t, system)
	empty := writePolicy(t, filepath.Join(trustedDir(t, "mine"), "empty.yaml"), "", 0o644)
	for _, env := range []string{"/dev/null", filepath.Join(dir, "missing.yaml"), empty} {
		t.Setenv(policyEnv, env)
		p, err := LoadAdmin()
		if err == nil {
			t.Errorf("%s=%s beside the system policy: loaded %+v, want an error", policyEnv, env, p)
		} else if !strings.Contains(err.Error(), "unset "+policyEnv) {
			t.Errorf("%s=%s: error %q should say to unset it", policyEnv, env, err)
		}
	}

	os.Remove(system)
	for _, env := range []string{"/dev/null", filepath.Join(dir, "missing.yaml")} {
		t.Setenv(policyEnv, env)
		wantRefused(t, policyEnv+"="+env+" without a system policy")
	}
	t.Setenv(policyEnv, writePolicy(t, empty, denyDelete, 0o644))
	wantDenyDelete(t, empty)
}
