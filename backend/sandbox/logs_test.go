package sandbox

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestServerLogLinesTailAndCopy(t *testing.T) {
	home := t.TempDir()
	l, err := OpenServerLog(home, "s")
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("first li"))
	l.Write([]byte("ne\nsecond \x1b]0;pwned\x07\nunfinished"))
	if got := l.Tail(); len(got) != 2 || got[0] != "first line" || got[1] != `second \x1b]0;pwned\x07` {
		t.Errorf("tail = %q", got)
	}
	l.Close()
	var out bytes.Buffer
	if err := CopyServerLog(home, "s", &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], " first line") || !strings.HasSuffix(lines[2], " unfinished") {
		t.Errorf("log file = %q", out.String())
	}
	if strings.ContainsRune(out.String(), 0x1b) {
		t.Error("an escape character reached the log file")
	}
	fi, _ := os.Stat(LogPath(home, "s"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode = %v", fi.Mode().Perm())
	}
	if err := CopyServerLog(home, "never-ran", &out); err == nil || !strings.Contains(err.Error(), "no log for server") {
		t.Errorf("missing log: %v", err)
	}
	os.WriteFile(home+"/secret.log", []byte("private"), 0o600)
	for _, name := range []string{"../secret", "../../etc/passwd", "a/b", ""} {
		if err := CopyServerLog(home+"/logs", name, &out); err == nil || !strings.Contains(err.Error(), "is not a server name") {
			t.Errorf("CopyServerLog(%q) = %v, want a refusal", name, err)
		}
		if _, err := OpenServerLog(home, name); err == nil {
			t.Errorf("OpenServerLog(%q) accepted a path", name)
		}
	}
}

func TestServerLogStaysBounded(t *testing.T) {
	home := t.TempDir()
	l, _ := OpenServerLog(home, "s")
	line := strings.Repeat("x", 1000) + "\n"
	for range 3 * logFileMax / len(line) {
		l.Write([]byte(line))
	}
	l.Write(bytes.Repeat([]byte("y"), 3*logLineMax)) // one endless line
	l.Close()
	var total int64
	for _, p := range []string{LogPath(home, "s"), LogPath(home, "s") + ".1"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if total > 2*logFileMax+4*logLineMax {
		t.Errorf("log holds %d bytes, want at most about %d", total, 2*logFileMax)
	}
	var out bytes.Buffer
	CopyServerLog(home, "s", &out)
	for _, line := range strings.Split(out.String(), "\n") {
		if len(line) > logLineMax+64 {
			t.Fatalf("a %d-byte line was stored", len(line))
		}
	}
}

func TestInstanceLockTellsLiveFromDead(t *testing.T) {
	home := t.TempDir()
	in, err := newInstance(home)
	if err != nil {
		t.Fatal(err)
	}
	if !ownerAlive(home, in.id) {
		t.Error("a held instance lock must read as alive")
	}
	in.release()
	if ownerAlive(home, in.id) {
		t.Error("a released instance must read as dead")
	}
	if ownerAlive(home, "") || ownerAlive(home, "0123") {
		t.Error("an unknown instance must read as dead")
	}
	// A crashed owner leaves its file but not its lock.
	in2, _ := newInstance(home)
	in2.file.Close()
	if ownerAlive(home, in2.id) {
		t.Error("a lock file without a holder must read as dead")
	}
	if _, err := os.Stat(instanceLockPath(home, in2.id)); !os.IsNotExist(err) {
		t.Error("the dead instance's lock file should be removed")
	}
}
