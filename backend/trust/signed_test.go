package trust

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/signature"
)

// TestVerifiedSignatureIsRemembered: once an image is verified against an
// entry's requirement, launches need no registry; another requirement, or
// no store to remember in, checks again.
func TestVerifiedSignatureIsRemembered(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := testenv.NewRegistry(t)
	_, digest := reg.Push(t, "acme/tool", "1", "wellbehaved")
	signer, pub := testenv.NewKeySigner(t)
	_, otherPub := testenv.NewKeySigner(t)
	reg.Attach(t, "acme/tool", digest, signer.Bundle(t, digest, signature.SignPredicate))
	img := sandbox.Image{Ref: reg.Host() + "/acme/tool:1", ID: "sha256:the-config", RepoDigest: reg.Host() + "/acme/tool@" + digest}
	e := catalog.Entry{Name: "tool", Image: img.Ref, Signature: &catalog.Signature{Key: pub}}

	if err := CheckSignature(ctx, st, e, img); err != nil {
		t.Fatalf("signed image refused: %v", err)
	}
	reg.Close()
	if err := CheckSignature(ctx, st, e, img); err != nil {
		t.Errorf("verified image checked again: %v", err)
	}
	other := e
	other.Signature = &catalog.Signature{Key: otherPub}
	if err := CheckSignature(ctx, st, other, img); err == nil || !strings.Contains(err.Error(), "cannot fetch its signatures") {
		t.Errorf("another requirement rode on the first check: %v", err)
	}
	if err := CheckSignature(ctx, nil, e, img); err == nil {
		t.Errorf("with nothing to remember in, the image was not checked")
	}
	local := img
	local.RepoDigest = ""
	if err := CheckSignature(ctx, st, e, local); err == nil || !strings.Contains(err.Error(), "came from no registry") {
		t.Errorf("image without a registry digest: %v", err)
	}
	if err := CheckSignature(ctx, st, catalog.Entry{Name: "plain"}, local); err != nil {
		t.Errorf("entry requiring no signature: %v", err)
	}
}
