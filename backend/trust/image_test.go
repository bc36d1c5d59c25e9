package trust

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func TestImagePinningTrustsFirstUseThenBlocksChanges(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v1 := sandbox.Image{Ref: "mcp/time:latest", ID: "sha256:111", RepoDigest: "mcp/time@sha256:aaa"}
	v2 := sandbox.Image{Ref: "mcp/time:latest", ID: "sha256:222"}

	if err := CheckImage(ctx, st, "time", v1); err != nil {
		t.Fatalf("first use: %v", err)
	}
	pin, _ := st.ImagePin(ctx, "time")
	if pin.ID != v1.ID || pin.RepoDigest != v1.RepoDigest || pin.ApprovedBy != FirstUse {
		t.Errorf("pin = %+v", pin)
	}
	if err := CheckImage(ctx, st, "time", v1); err != nil {
		t.Errorf("same image again: %v", err)
	}

	err = CheckImage(ctx, st, "time", v2)
	var changed *ImageChangedError
	if !errors.As(err, &changed) {
		t.Fatalf("moved tag: got %v, want ImageChangedError", err)
	}
	for _, want := range []string{"sha256:222", "not the approved sha256:111", "bulkhead image approve time sha256:222"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// Approval is bound to the image the person saw.
	if err := ApproveImage(ctx, st, "time", v2, "sha256:333", "ada"); err == nil {
		t.Error("approving an ID other than the current one must fail")
	}
	if err := CheckImage(ctx, st, "time", v2); err == nil {
		t.Error("a failed approval must change nothing")
	}
	if err := ApproveImage(ctx, st, "time", v2, "sha256:222", "ada"); err != nil {
		t.Fatal(err)
	}
	if err := CheckImage(ctx, st, "time", v2); err != nil {
		t.Errorf("after approval: %v", err)
	}
	if err := CheckImage(ctx, st, "time", v1); err == nil {
		t.Error("the old image is no longer the approved one")
	}
	// Pins are per server.
	if err := CheckImage(ctx, st, "other", v1); err != nil {
		t.Errorf("another server's first use: %v", err)
	}
}

// TestImagePinShowsTheImagesVolumes records the volumes an image declares
// with its pin, also for a pin taken before they were recorded.
func TestImagePinShowsTheImagesVolumes(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	img := sandbox.Image{Ref: "vol:1", ID: "sha256:111", Volumes: []string{"/data", "/etc"}}
	st.SaveImagePin(ctx, store.ImagePin{Server: "v", Ref: img.Ref, ID: img.ID, ApprovedBy: "someone"}) // an older pin
	if err := CheckImage(ctx, st, "v", img); err != nil {
		t.Fatal(err)
	}
	pin, _ := st.ImagePin(ctx, "v")
	if strings.Join(pin.Volumes, " ") != "/data /etc" || pin.ApprovedBy != "someone" {
		t.Errorf("pin = %+v, want the volumes recorded and the approval kept", pin)
	}
}
