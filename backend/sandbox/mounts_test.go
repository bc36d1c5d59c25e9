package sandbox

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// fakeHost lays out a home directory with secrets in a temp dir.
func fakeHost(t *testing.T) Host {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home", "ada")
	for _, d := range []string{".ssh", ".aws", "projects/site", ".config/bulkhead", "other"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return Host{UserHome: home, StateDir: filepath.Join(home, ".config/bulkhead"), EngineSocket: filepath.Join(root, "docker.sock")}
}

func TestResolveMountRefusesSensitivePaths(t *testing.T) {
	h := fakeHost(t)
	root := filepath.Dir(filepath.Dir(h.UserHome))
	// A symlink inside an innocent folder that leads to the SSH keys.
	link := filepath.Join(h.UserHome, "projects", "keys")
	if err := os.Symlink(filepath.Join(h.UserHome, ".ssh"), link); err != nil {
		t.Fatal(err)
	}
	// A symlink whose own name looks sensitive but leads somewhere harmless
	// is refused too: the path as written is checked as well.
	if err := os.Remove(filepath.Join(h.UserHome, ".aws")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join(h.UserHome, "other"), filepath.Join(h.UserHome, ".aws"))
	// A unix socket anywhere is a host service.
	sock := filepath.Join(h.UserHome, "projects", "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	cases := []struct{ host, want string }{
		{"/", "the host's root directory"},
		{"~", "your whole home directory"},
		{"~/", "your whole home directory"},
		{filepath.Dir(h.UserHome), "it contains " + h.UserHome},
		{root, "it contains"},
		{"~/.ssh", "SSH keys"},
		{"~/.ssh/id_ed25519", "SSH keys"},
		{"~/projects/keys", "SSH keys"},
		{"~/projects/../.ssh", "SSH keys"},
		{"~/.aws", "AWS credentials"},
		{"~/.config/bulkhead", "Bulkhead's own state"},
		{"~/.config", "it contains " + h.StateDir},
		{h.EngineSocket, "the Docker socket"},
		{"/var/run/docker.sock", "the Docker socket"},
		{"/var/run", "runtime sockets"},
		{"/etc", "host configuration"},
		{"/etc/passwd", "host configuration"},
		{"/proc/self", "kernel interfaces"},
		{sock, "it is a socket"},
		{"~/projects/missing", "does not exist: create it"},
	}
	for _, c := range cases {
		_, err := resolveMount(catalog.Mount{Host: c.host, Container: "/data"}, h)
		if err == nil {
			t.Errorf("mount of %s was allowed", c.host)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.host) {
			t.Errorf("mount of %s: error %q should name the path and say %q", c.host, err, c.want)
		}
	}
}

func TestResolveMountAllowsProjectFoldersAndFollowsLinksOnce(t *testing.T) {
	h := fakeHost(t)
	site := filepath.Join(h.UserHome, "projects", "site")
	alias := filepath.Join(h.UserHome, "site-link")
	os.Symlink(site, alias)
	m, err := resolveMount(catalog.Mount{Host: "~/site-link", Container: "/site", Write: true}, h)
	if err != nil {
		t.Fatal(err)
	}
	if m.Host != site || m.Container != "/site" || !m.Write {
		t.Errorf("got %+v, want the resolved target %s mounted writable", m, site)
	}
	m, err = resolveMount(catalog.Mount{Host: site, Container: "/site"}, h)
	if err != nil || m.Write {
		t.Errorf("read-only grant: %+v, %v", m, err)
	}
}

func TestWithin(t *testing.T) {
	cases := []struct {
		path, dir string
		want      bool
	}{
		{"/a/b", "/a", true}, {"/a", "/a", true}, {"/ab", "/a", false},
		{"/a", "/a/b", false}, {"/x", "/", true},
	}
	for _, c := range cases {
		if got := within(c.path, c.dir); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.path, c.dir, got)
		}
	}
}
