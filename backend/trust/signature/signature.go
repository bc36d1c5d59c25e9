// Package signature checks, before an image runs, that it carries a
// Sigstore signature (cosign sign) from the signer its catalog entry names.
// Signatures are Sigstore bundles attached to the image in its registry as
// OCI referrers, as cosign 3 stores them.
package signature

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

const (
	// BundleType is the media type of a Sigstore bundle in a registry.
	BundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SignPredicate is the statement type of `cosign sign`; an attestation
	// (an SBOM, provenance) by the same signer is not a signature.
	SignPredicate = "https://sigstore.dev/cosign/sign/v1"

	emptyConfigType = "application/vnd.oci.empty.v1+json"

	maxBundleBytes = 1 << 20
	maxReferrers   = 100
)

// Verify checks that the image whose registry manifest is repoDigest
// (name@sha256:...) is signed by the signer req names.
func Verify(ctx context.Context, repoDigest string, req catalog.Signature) error {
	ref, err := name.NewDigest(repoDigest)
	if err != nil {
		return fmt.Errorf("image %s: cannot check its signature: %v", repoDigest, err)
	}
	algo, hexDigest, _ := strings.Cut(ref.DigestStr(), ":")
	digest, err := hex.DecodeString(hexDigest)
	if err != nil || algo != "sha256" {
		return fmt.Errorf("image %s: only sha256 digests can be checked", repoDigest)
	}
	v, identity, err := verifierFor(ctx, req)
	if err != nil {
		return err
	}
	bundles, err := fetchBundles(ctx, ref)
	if err != nil {
		return fmt.Errorf("image %s: cannot fetch its signatures from the registry (%v); check the network and your registry login (docker login)", repoDigest, err)
	}
	if len(bundles) == 0 {
		return fmt.Errorf("image %s carries no Sigstore signature, but its catalog entry requires one from %s; ask the publisher to sign it (cosign sign), or remove `signature:` from the entry", repoDigest, signer(req))
	}
	why := errors.New("no signature verified")
	for _, b := range bundles {
		res, err := v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest(algo, digest), identity))
		switch {
		case err != nil:
			why = err
		case res.Statement == nil || res.Statement.PredicateType != SignPredicate:
			why = fmt.Errorf("the signed statement is an attestation (%s), not a signature", res.Statement.GetPredicateType())
		default:
			return nil
		}
	}
	return fmt.Errorf("image %s is not signed by %s: none of its %d signature(s) verifies (%v); do not run it unless its publisher confirms the signer changed",
		repoDigest, signer(req), len(bundles), why)
}

func signer(req catalog.Signature) string {
	if req.Key != "" {
		return "the entry's key"
	}
	return fmt.Sprintf("%s (issuer %s)", req.Identity, req.Issuer)
}

// fetchBundles reads the Sigstore bundles attached to ref, falling back to
// the referrers tag where the registry has no referrers API.
func fetchBundles(ctx context.Context, ref name.Digest) ([]*bundle.Bundle, error) {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	idx, err := remote.Referrers(ref, opts...)
	if err != nil {
		return nil, err
	}
	list, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []*bundle.Bundle
	for i, d := range list.Manifests {
		if i == maxReferrers {
			break
		}
		// Registries that predate artifactType report the config's type.
		if d.ArtifactType != BundleType && d.ArtifactType != emptyConfigType {
			continue
		}
		img, err := remote.Image(ref.Context().Digest(d.Digest.String()), opts...)
		if err != nil {
			return nil, err
		}
		m, err := img.Manifest()
		if err != nil {
			return nil, err
		}
		if len(m.Layers) != 1 || m.Layers[0].MediaType != BundleType || m.Layers[0].Size > maxBundleBytes {
			continue
		}
		layer, err := remote.Layer(ref.Context().Digest(m.Layers[0].Digest.String()), opts...)
		if err != nil {
			return nil, err
		}
		rc, err := layer.Compressed()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxBundleBytes))
		rc.Close()
		if err != nil {
			return nil, err
		}
		var b bundle.Bundle
		if err := b.UnmarshalJSON(data); err != nil {
			continue // not a bundle this build can read; others may be
		}
		out = append(out, &b)
	}
	return out, nil
}
