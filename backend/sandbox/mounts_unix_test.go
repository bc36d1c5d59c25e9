//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// TestGrantsOthersCouldSwapAreRefused checks each directory above a grant:
// one another user owns or may write could have what it holds swapped for
// a link between the check and the mount. A sticky directory (/tmp) is
// fine when what it holds is this user's.
func TestGrantsOthersCouldSwapAreRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing owners needs root") // CI runs as root
	}
	h := fakeHost(t)
	root := t.TempDir()
	layout := func(name string, mode os.FileMode, owner int, projOwner int) string {
		dir := filepath.Join(root, name)
		os.Mkdir(dir, 0o755)
		proj := filepath.Join(dir, "proj")
		os.Mkdir(proj, 0o755)
		os.Chown(dir, owner, owner)
		os.Chown(proj, projOwner, projOwner)
		os.Chmod(dir, mode)
		return proj
	}
	cases := []struct {
		name, grant, refusal string
	}{
		{"writable by all", layout("open", 0o777, 0, 0), "writable by others"},
		{"writable by its group", layout("group", 0o775, 0, 0), "writable by others"},
		{"another user's", layout("theirs", 0o755, 65534, 0), "belongs to another user"},
		{"sticky, holding another user's", layout("sticky-theirs", os.ModeSticky|0o777, 0, 65534), "writable by others"},
		{"sticky, holding ours", layout("sticky-ours", os.ModeSticky|0o777, 0, 0), ""},
		{"only ours", layout("ours", 0o755, 0, 65534), ""}, // the grant itself may be anyone's
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := resolveMount(catalog.Mount{Host: c.grant, Container: "/data"}, h)
			switch {
			case c.refusal == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)):
				t.Errorf("got %v, want a refusal saying %q", err, c.refusal)
			}
		})
	}
}

// TestGrantsInsideAnotherServersWritableFolderAreRefused: a server that
// may write a folder could swap a folder inside it for a link before
// another server (or its own next start) mounts it.
func TestGrantsInsideAnotherServersWritableFolderAreRefused(t *testing.T) {
	h := fakeHost(t)
	notes := filepath.Join(h.UserHome, "projects", "site")
	os.MkdirAll(filepath.Join(notes, "public"), 0o755)
	h.Writable = WriteGrants([]catalog.Entry{
		{Name: "writer", Permissions: catalog.Permissions{Mounts: []catalog.Mount{{Host: "~/projects/site", Container: "/w", Write: true}}}},
		{Name: "reader", Permissions: catalog.Permissions{Mounts: []catalog.Mount{{Host: "~/other", Container: "/r"}}}},
	}, h)
	_, err := resolveMount(catalog.Mount{Host: "~/projects/site/public", Container: "/p"}, h)
	if err == nil || !strings.Contains(err.Error(), `server "writer" may write`) {
		t.Errorf("grant inside a writable folder: %v", err)
	}
	if _, err := resolveMount(catalog.Mount{Host: "~/projects/site", Container: "/p"}, h); err != nil {
		t.Errorf("the writable folder itself, shared: %v", err)
	}
	if _, err := resolveMount(catalog.Mount{Host: "~/other", Container: "/p"}, h); err != nil {
		t.Errorf("a folder only read: %v", err)
	}
}
