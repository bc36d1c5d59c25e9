package trust

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/signature"
)

// CheckSignature refuses an image that lacks the Sigstore signature its
// entry requires. An image verified once against the same requirement is
// not fetched again; st may be nil, to check every time.
func CheckSignature(ctx context.Context, st *store.Store, e catalog.Entry, img sandbox.Image) error {
	if e.Signature == nil {
		return nil
	}
	if img.RepoDigest == "" {
		return fmt.Errorf("server %q requires a signed image, but %s came from no registry (built or loaded here), so its signature cannot be checked; pull it from its registry, or remove `signature:` from the entry", e.Name, img.Ref)
	}
	req, _ := json.Marshal(e.Signature)
	sum := sha256.Sum256(req)
	requirement := hex.EncodeToString(sum[:])
	if st != nil {
		if ok, err := st.SignatureChecked(ctx, img.ID, requirement); err != nil || ok {
			return err
		}
	}
	if err := signature.Verify(ctx, img.RepoDigest, *e.Signature); err != nil {
		return fmt.Errorf("server %q: %w", e.Name, err)
	}
	if st == nil {
		return nil
	}
	return st.RecordSignatureCheck(ctx, img.ID, requirement, img.RepoDigest)
}
