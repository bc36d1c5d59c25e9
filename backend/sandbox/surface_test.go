package sandbox

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/scratch"
)

// escapeWith calls the hostile server's escape tool with only the probes
// given (plus the fixed ones it always runs).
func escapeWith(t *testing.T, sb *Sandbox, probes map[string]any) map[string]attempt {
	t.Helper()
	cs := session(t, sb)
	defer cs.Close()
	args := map[string]any{"target": "", "name": "", "hogMiB": 0, "forkMax": 0}
	for k, v := range probes {
		args[k] = v
	}
	var rep struct {
		Attempts map[string]attempt `json:"attempts"`
	}
	callStructured(t, cs, "escape", args, &rep)
	return rep.Attempts
}

// TestServerRunsWithOnlyItsOwnGroupAndAWritableTmp gives a server an image
// whose /etc/group makes its uid a member of root's and wheel's groups,
// whose /etc/passwd gives it root's group, and whose /tmp is root's 0755,
// as FROM-scratch images often have it. Run as user "1000", it gets group
// 1000 alone, and /tmp is still its own to write.
func TestServerRunsWithOnlyItsOwnGroupAndAWritableTmp(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile", testenv.Files(
		scratch.File{Path: "etc/passwd", Data: []byte("root:x:0:0::/root:/bin/sh\nbob:x:1000:0::/home/bob:/bin/sh\n"), Mode: 0o644},
		scratch.File{Path: "etc/group", Data: []byte("root:x:0:bob\nwheel:x:10:bob\nbob:x:1000:\n"), Mode: 0o644},
		scratch.File{Path: "tmp", Dir: true, Mode: 0o755},
	))
	t.Run("control: the engine gives such an image's user root's group and more", func(t *testing.T) {
		out := runRaw(t, e.Client(), &container.Config{Image: img, User: "1000", Entrypoint: []string{"/server", "groups"}}, &container.HostConfig{NetworkMode: "none"})
		if !strings.Contains(out, "gid=0") || !strings.Contains(out, "10") {
			t.Fatalf("the plain engine gave %q: the image does not test what it should", out)
		}
	})
	sb := launchEntry(t, e, "grouped", img, "    user: \"1000\"\n")
	got := escapeWith(t, sb, nil)
	if a := got["groups"]; a.Worked || a.Detail != "gid=1000 groups=[1000]" {
		t.Errorf("groups: %+v, want gid=1000 groups=[1000] alone", a)
	}
	if a := got["identity"]; a.Worked || !strings.Contains(a.Detail, "uid=1000 gid=1000") {
		t.Errorf("identity: %+v", a)
	}
	if a := got["write_tmp"]; !a.Worked {
		t.Errorf("/tmp is not writable for the server: %+v", a)
	}
	if a := got["exec_tmp"]; a.Worked {
		t.Errorf("ran a program from /tmp: %+v", a)
	}
}

// TestImageVolumesAreEmptyTemporaryDirectories runs an image declaring
// volumes, one of them over /etc. The engine would make each a writable,
// executable volume on the host's disk; in the sandbox each is a small
// temporary directory nothing runs from, and no volume is made.
func TestImageVolumesAreEmptyTemporaryDirectories(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile", testenv.Volumes("/vol", "/etc"))
	resolved, err := e.ResolveImage(context.Background(), img, PullNever, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(resolved.Volumes, " ") != "/etc /vol" {
		t.Fatalf("image volumes = %v, want /etc /vol", resolved.Volumes)
	}
	sb := launchEntry(t, e, "volumes", img, "    permissions:\n      tmpfs: 24MiB\n")
	got := escapeWith(t, sb, map[string]any{"plant": []string{"/vol", "/etc"}, "fillMiB": 64})
	for _, dir := range []string{"/vol", "/etc"} {
		if a := got["plant "+dir]; a.Worked || !strings.Contains(a.Detail, "run: ") || !strings.Contains(a.Detail, "permission denied") {
			t.Errorf("plant %s: %+v, want it written but refused to run", dir, a)
		}
		if a := got["fill "+dir]; a.Worked || !regexp.MustCompile(`wrote (1?[0-9]|2[0-4]) MiB: .*no space left`).MatchString(a.Detail) {
			t.Errorf("fill %s: %+v, want no more than the 24 MiB limit", dir, a)
		}
	}
	info, err := e.Client().ContainerInspect(context.Background(), sb.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range info.Container.Mounts {
		if m.Type == mount.TypeVolume {
			t.Errorf("the engine made a volume on the host for %s (%s)", m.Destination, m.Name)
		}
	}
}

// TestUnixSocketsAreOutOfReach grants a directory holding a stream and a
// datagram unix socket, as an SSH agent or a language server would leave
// there. A plain container reaches both through the same mount; the
// sandbox reaches neither, by connect or by a socket pair's sendto.
func TestUnixSocketsAreOutOfReach(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	reached := make(chan string, 16)
	listenUnix(t, filepath.Join(dir, "agent.sock"), reached)
	listenUnixgram(t, filepath.Join(dir, "log.sock"), reached)
	probes := map[string]any{"unix": []string{"/grant/agent.sock", "/grant/log.sock"}}

	t.Run("control: a plain container reaches both", func(t *testing.T) {
		out := runRaw(t, e.Client(), &container.Config{Image: img, User: "65534", Entrypoint: []string{"/server", "unix", "/grant/agent.sock", "/grant/log.sock"}},
			&container.HostConfig{NetworkMode: "none", Binds: []string{dir + ":/grant:ro"}})
		if strings.Count(out, `"worked":true`) != 2 {
			t.Fatalf("a plain container did not reach the sockets, so the probe proves nothing: %s", out)
		}
		for range 2 {
			waitFor(t, reached)
		}
	})
	sb := launchEntry(t, e, "sockets", img, "    permissions:\n      mounts:\n        - {host: "+dir+", container: /grant}\n")
	got := escapeWith(t, sb, probes)
	for _, key := range []string{"unix /grant/agent.sock", "unix /grant/log.sock", "unixgram /grant/agent.sock", "unixgram /grant/log.sock"} {
		a, ok := got[key]
		if !ok || a.Worked || !regexp.MustCompile(`operation not permitted|permission denied`).MatchString(a.Detail) {
			t.Errorf("%s: %+v, want refused by the sandbox", key, a)
		}
	}
	select {
	case from := <-reached:
		t.Errorf("ESCAPED: the sandbox reached %s", from)
	default:
	}
}

func listenUnix(t *testing.T, path string, reached chan<- string) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o777) // the server runs as nobody
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n')
			c.Close()
			reached <- path
		}
	}()
}

func listenUnixgram(t *testing.T, path string, reached chan<- string) {
	t.Helper()
	c, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o777)
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
			reached <- path
		}
	}()
}

func waitFor(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatal("nothing arrived within a minute")
		return ""
	}
}
