package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestSymlinksInAGrantStayInTheContainer grants a directory holding links
// to a host file outside it (absolute, relative, and through a linked
// directory). Inside the sandbox they resolve in the container's own file
// tree, so the host file is never read; a plain file of the grant is.
func TestSymlinksInAGrantStayInTheContainer(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile")

	root := t.TempDir()
	const hostSecret = "host-only-4b1e7c"
	grant := filepath.Join(root, "project")
	os.Mkdir(grant, 0o755)
	os.Chmod(root, 0o755) // the server runs as nobody
	os.WriteFile(filepath.Join(root, "outside.txt"), []byte(hostSecret), 0o644)
	os.WriteFile(filepath.Join(grant, "inside.txt"), []byte("granted"), 0o644)
	for link, target := range map[string]string{
		"absolute": filepath.Join(root, "outside.txt"),
		"relative": "../outside.txt",
		"up":       root,
		"passwd":   "/etc/passwd",
	} {
		if err := os.Symlink(target, filepath.Join(grant, link)); err != nil {
			t.Fatal(err)
		}
	}
	hostPasswd, _ := os.ReadFile("/etc/passwd")

	sb := launchEntry(t, e, "links", img, "    permissions:\n      mounts:\n        - {host: "+grant+", container: /project}\n")
	cs := session(t, sb)
	defer cs.Close()
	paths := []string{"/project/inside.txt", "/project/absolute", "/project/relative", "/project/up/outside.txt", "/project/passwd"}
	var rep struct {
		Attempts map[string]attempt `json:"attempts"`
	}
	callStructured(t, cs, "escape", map[string]any{"target": "", "name": "", "hogMiB": 0, "forkMax": 0, "read": paths}, &rep)

	if a := rep.Attempts["read /project/inside.txt"]; !a.Worked || a.Detail != "granted" {
		t.Fatalf("the granted file was not read (so the probes prove nothing): %+v", a)
	}
	for _, p := range paths[1:] {
		a, ok := rep.Attempts["read "+p]
		switch {
		case !ok:
			t.Errorf("%s: not attempted", p)
		case strings.Contains(a.Detail, hostSecret):
			t.Errorf("ESCAPED: %s read the host file outside the grant", p)
		case len(hostPasswd) > 0 && a.Detail == string(hostPasswd):
			t.Errorf("ESCAPED: %s read the host's /etc/passwd", p)
		default:
			t.Logf("%s: worked=%v %.60q", p, a.Worked, a.Detail)
		}
	}
}
