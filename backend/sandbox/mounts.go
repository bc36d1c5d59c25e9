package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Host is what mount grants are checked against on this machine.
type Host struct {
	UserHome     string // the user's home directory; ~ expands to it
	StateDir     string // Bulkhead's own state, never shared
	EngineSocket string // the engine's unix socket, if it has one
	// Writable are the directories sandboxes may write: a grant inside one
	// could be swapped by that server before this one starts.
	Writable []WriteGrant
}

// Mount is a granted host path after checks: Host is the resolved path.
type Mount struct {
	Host      string `json:"host"`
	Container string `json:"container"`
	Write     bool   `json:"write"`
}

// protected is a host location no server may see.
type protected struct {
	path   string
	reason string
	// inside: paths below it are refused too. Off for the home directory and
	// the root, where a project folder below is a fine grant.
	inside bool
}

func (h Host) protectedPaths() []protected {
	p := []protected{
		{"/", "the host's root directory", false},
		{h.UserHome, "your whole home directory; grant a project folder instead", false},
		{h.StateDir, "Bulkhead's own state", true},
		{"/var/run/docker.sock", "the Docker socket, which controls the host", true},
		{"/run/docker.sock", "the Docker socket, which controls the host", true},
		{"/var/run", "runtime sockets, the Docker socket among them", true},
		{"/run", "runtime sockets, the Docker socket among them", true},
		{"/etc", "host configuration", true},
		{"/private/etc", "host configuration", true},
		{"/private/var/run", "runtime sockets, the Docker socket among them", true},
		{"/proc", "kernel interfaces", true},
		{"/sys", "kernel interfaces", true},
		{"/dev", "host devices", true},
		{"/boot", "the host's boot files", true},
		{"/root", "the root user's home", true},
		{"/var/lib/docker", "the container engine's storage", true},
		{"/var/lib/containerd", "the container engine's storage", true},
	}
	if h.EngineSocket != "" {
		p = append(p, protected{h.EngineSocket, "the Docker socket, which controls the host", true})
	}
	for rel, why := range map[string]string{
		".ssh": "SSH keys", ".aws": "AWS credentials", ".gnupg": "GPG keys",
		".docker": "Docker credentials and socket", ".kube": "Kubernetes credentials",
		".config/gcloud": "Google Cloud credentials", ".azure": "Azure credentials",
		".config/gh": "the GitHub CLI token", ".netrc": "saved passwords",
		".git-credentials": "saved Git passwords", ".password-store": "a password store",
		".npmrc": "a package registry token", ".pypirc": "a package registry token",
		"Library/Keychains": "keychains", ".local/share/keyrings": "keyrings",
	} {
		p = append(p, protected{filepath.Join(h.UserHome, rel), why, true})
	}
	return p
}

// resolveMount expands ~, follows symlinks and refuses protected locations,
// checking both the path as written and where it leads. The resolved path is
// what gets mounted, so a symlink swapped later is not followed again; and
// a path others could change before the engine mounts it is refused
// (checkStable), as is one inside what a sandbox may write (Host.Writable).
func resolveMount(m catalog.Mount, h Host) (Mount, error) {
	written := expandHome(m.Host, h)
	if !filepath.IsAbs(written) {
		return Mount{}, fmt.Errorf("mount host path %s must be absolute", m.Host)
	}
	if err := h.checkAllowed(m.Host, written); err != nil {
		return Mount{}, err
	}
	resolved, err := filepath.EvalSymlinks(written)
	if errors.Is(err, fs.ErrNotExist) {
		return Mount{}, fmt.Errorf("mount host path %s does not exist: create it or change the catalog entry", m.Host)
	}
	if err != nil {
		return Mount{}, fmt.Errorf("mount host path %s: %v", m.Host, err)
	}
	if err := h.checkAllowed(m.Host, resolved); err != nil {
		return Mount{}, err
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return Mount{}, fmt.Errorf("mount host path %s: %v", m.Host, err)
	}
	if fi.Mode()&fs.ModeSocket != 0 {
		return Mount{}, fmt.Errorf("mount host path %s is refused: it is a socket, which would hand the server a host service", m.Host)
	}
	if err := checkStable(m.Host, resolved); err != nil {
		return Mount{}, err
	}
	for _, w := range h.Writable {
		if w.Path != resolved && within(resolved, w.Path) {
			return Mount{}, fmt.Errorf("mount host path %s is refused: it lies inside %s, which server %q may write, and so could swap it for a link before this server starts; grant the whole of %s, or a folder outside it", m.Host, w.Path, w.Server, w.Path)
		}
	}
	return Mount{Host: resolved, Container: m.Container, Write: m.Write}, nil
}

// WriteGrant is a host directory a server may write, resolved.
type WriteGrant struct {
	Server string
	Path   string
}

// WriteGrants resolves the write grants of entries on this machine; those
// that do not resolve are left out, as they cannot be mounted either.
func WriteGrants(entries []catalog.Entry, h Host) []WriteGrant {
	var out []WriteGrant
	for _, e := range entries {
		for _, m := range e.Permissions.Mounts {
			if !m.Write {
				continue
			}
			if p, err := filepath.EvalSymlinks(expandHome(m.Host, h)); err == nil {
				out = append(out, WriteGrant{Server: e.Name, Path: p})
			}
		}
	}
	return out
}

func expandHome(p string, h Host) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = filepath.Join(h.UserHome, strings.TrimPrefix(p, "~"))
	}
	return filepath.Clean(p)
}

func (h Host) checkAllowed(written, path string) error {
	shown := written
	if path != written {
		shown = fmt.Sprintf("%s (%s)", written, path)
	}
	protected := h.protectedPaths()
	for _, p := range protected {
		if p.path != "" && within(path, p.path) && (p.inside || samePath(path, p.path)) {
			return fmt.Errorf("mount host path %s is refused: it is %s", shown, p.reason)
		}
	}
	for _, p := range protected {
		if p.path != "" && within(p.path, path) {
			return fmt.Errorf("mount host path %s is refused: it contains %s (%s)", shown, p.path, p.reason)
		}
	}
	return nil
}

// caseFolding is true where the usual file systems ignore case.
var caseFolding = runtime.GOOS == "darwin" || runtime.GOOS == "windows"

func samePath(a, b string) bool {
	if caseFolding {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// within reports whether path is dir or lies below it.
func within(path, dir string) bool {
	if samePath(path, dir) {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	if len(path) < len(dir) {
		return false
	}
	return samePath(path[:len(dir)], dir)
}
