//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/smalldisk"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A command that cannot write because the disk is full says so, and what
// to do, in one line (on a full disk SQLite cannot even open the database
// in WAL mode, and says only "disk I/O error"); what was written before is
// there once there is room.
func TestAFullDiskIsOneLineSayingWhatToDo(t *testing.T) {
	e := newEnv(t, entryYAML("s", "example.org/s:1", ""))
	e.home = smalldisk.Mount(t)
	if _, errOut, code := e.run("policy", "set", "s", "allow"); code != 0 {
		t.Fatalf("policy set with room: %s", errOut)
	}
	makeRoom := smalldisk.Fill(t, e.home)
	var errOut string
	code := 0
	for i := 0; i < 200 && code == 0; i++ {
		_, errOut, code = e.run("policy", "set", fmt.Sprintf("s/tool_%d_%s", i, strings.Repeat("x", 2000)), "deny")
	}
	oneLineError(t, errOut, code, store.DiskFullMessage)
	makeRoom()
	if out, errOut, _ := e.run("policy", "show", "s"); !strings.Contains(out, "allow") {
		t.Errorf("the rule set before the disk filled: %q %s", out, errOut)
	}
}
