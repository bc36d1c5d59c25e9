package signature

import (
	"context"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// The registry is a real OCI registry (go-containerregistry's) on loopback;
// signatures are real Sigstore bundles made by sigstore-go's signer.

func TestKeySignatures(t *testing.T) {
	reg := testenv.NewRegistry(t)
	signed := pushed(t, reg, "acme/signed")
	unsigned := pushed(t, reg, "acme/unsigned")
	attested := pushed(t, reg, "acme/attested")
	borrowed := pushed(t, reg, "acme/borrowed")

	signer, pub := testenv.NewKeySigner(t)
	_, otherPub := testenv.NewKeySigner(t)
	reg.Attach(t, "acme/signed", digestOf(signed), signer.Bundle(t, digestOf(signed), SignPredicate))
	reg.Attach(t, "acme/attested", digestOf(attested), signer.Bundle(t, digestOf(attested), "https://slsa.dev/provenance/v1"))
	// A genuine signature of another image, attached to this one.
	reg.Attach(t, "acme/borrowed", digestOf(borrowed), signer.Bundle(t, digestOf(signed), SignPredicate))

	ctx := context.Background()
	if err := Verify(ctx, signed, catalog.Signature{Key: pub}); err != nil {
		t.Errorf("signed image refused: %v", err)
	}
	for _, c := range []struct {
		name, image, key, want string
	}{
		{"other key", signed, otherPub, "is not signed by the entry's key"},
		{"unsigned", unsigned, pub, "carries no Sigstore signature"},
		{"attestation only", attested, pub, "attestation (https://slsa.dev/provenance/v1), not a signature"},
		{"another image's signature", borrowed, pub, "is not signed by the entry's key"},
	} {
		err := Verify(ctx, c.image, catalog.Signature{Key: c.key})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestKeylessSignatures(t *testing.T) {
	reg := testenv.NewRegistry(t)
	img := pushed(t, reg, "acme/keyless")
	const identity = "https://github.com/acme/tools/.github/workflows/release.yml@refs/tags/v1"
	const issuer = "https://token.actions.githubusercontent.com"
	signer, trustedRoot := testenv.NewKeylessSigner(t, identity, issuer)
	reg.Attach(t, "acme/keyless", digestOf(img), signer.Bundle(t, digestOf(img), SignPredicate))

	ctx := context.Background()
	want := catalog.Signature{Identity: identity, Issuer: issuer, TrustedRoot: trustedRoot}
	if err := Verify(ctx, img, want); err != nil {
		t.Fatalf("keyless signature refused: %v", err)
	}
	otherIdentity, otherIssuer := want, want
	otherIdentity.Identity = "https://github.com/mallory/tools/.github/workflows/release.yml@refs/tags/v1"
	otherIssuer.Issuer = "https://accounts.example.com"
	_, otherRoot := testenv.NewKeylessSigner(t, identity, issuer)
	untrusted := want
	untrusted.TrustedRoot = otherRoot // the same names, vouched for by another authority
	for name, req := range map[string]catalog.Signature{"identity": otherIdentity, "issuer": otherIssuer, "authority": untrusted} {
		err := Verify(ctx, img, req)
		if err == nil || !strings.Contains(err.Error(), "is not signed by") {
			t.Errorf("another %s accepted: %v", name, err)
		}
	}
}

// pushed publishes a test image and returns its repo@digest.
func pushed(t *testing.T, reg *testenv.Registry, repo string) string {
	_, digest := reg.Push(t, repo, "1", "wellbehaved", testenv.Cmd(repo)) // a digest of its own
	return reg.Host() + "/" + repo + "@" + digest
}

func digestOf(repoDigest string) string {
	_, d, _ := strings.Cut(repoDigest, "@")
	return d
}
