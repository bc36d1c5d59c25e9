package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAFullDiskIsAClearErrorAndDamagesNothing fills the file system under
// the state database (a 2 MiB tmpfs): writes fail with an error that says
// the disk is full, what was written before stays, the database passes its
// integrity check, and it works again once there is room.
func TestAFullDiskIsAClearErrorAndDamagesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a small tmpfs (CI runs as root): %v", err)
		}
		t.Skipf("cannot mount a tmpfs here (%v); CI runs this as root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
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

	fill, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := fill.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	fill.Close()
	var full error
	big := strings.Repeat("x", 32<<10)
	for range 200 {
		if full = st.AddAudit(ctx, AuditEntry{Server: "s", Tool: "t", ArgsDigest: "lost", Detail: big, Decision: "allow", Status: "ok"}); full != nil {
			break
		}
	}
	if full == nil || !strings.Contains(full.Error(), "full") {
		t.Fatalf("writing to a full disk: %v, want an error saying it is full", full)
	}
	t.Logf("the error: %v", full)
	if _, err := st.DecideApproval(ctx, id, AllowOnce, "p"); err == nil {
		t.Log("a small decision still fitted") // SQLite may find room in a free page
	}

	os.Remove(filepath.Join(dir, "fill"))
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
