//go:build linux

package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/smalldisk"
)

// TestAFullDiskIsAClearErrorAndDamagesNothing fills the file system under
// the state database (a 2 MiB tmpfs): writes fail with an error that says
// the disk is full, what was written before stays, the database passes its
// integrity check, and it works again once there is room.
func TestAFullDiskIsAClearErrorAndDamagesNothing(t *testing.T) {
	dir := smalldisk.Mount(t)
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(dir, "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := AuditEntry{Client: "c", Server: "s", Tool: "t", ArgsDigest: "kept", Decision: "allow", Status: "ok"}
	if err := st.AddAudit(ctx, before); err != nil {
		t.Fatal(err)
	}
	id, err := st.AddApproval(ctx, Approval{Server: "s", Tool: "t", ArgsHash: "h", Arguments: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}

	makeRoom := smalldisk.Fill(t, dir)
	var full error
	big := strings.Repeat("x", 32<<10)
	for range 200 {
		if full = st.AddAudit(ctx, AuditEntry{Server: "s", Tool: "t", ArgsDigest: "lost", Detail: big, Decision: "allow", Status: "ok"}); full != nil {
			break
		}
	}
	if full == nil || !strings.Contains(full.Error(), "full") || !DiskFull(full) {
		t.Fatalf("writing to a full disk: %v, want an error saying it is full", full)
	}
	t.Logf("the error: %v", full)
	if _, err := st.DecideApproval(ctx, id, AllowOnce, "p"); err == nil {
		t.Log("a small decision still fitted") // SQLite may find room in a free page
	}

	makeRoom()
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := st.Audit(ctx, AuditFilter{})
	if err != nil || len(entries) == 0 || entries[0].ArgsDigest != "kept" {
		t.Fatalf("what was written before the disk filled: %v %v", entries, err)
	}
	if err := st.AddAudit(ctx, before); err != nil {
		t.Fatalf("with room again: %v", err)
	}
	st.Close()
	again, err := Open(ctx, filepath.Join(dir, "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := again.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
