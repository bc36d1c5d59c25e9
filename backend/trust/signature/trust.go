package signature

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/sigstore/sigstore-go/pkg/verify"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// verifierFor builds the verifier and identity policy for req: the entry's
// key, or a keyless identity under Sigstore's public trusted root (fetched
// and kept fresh with TUF) or a private one from a file.
func verifierFor(ctx context.Context, req catalog.Signature) (*verify.Verifier, verify.PolicyOption, error) {
	if req.Key != "" {
		block, _ := pem.Decode([]byte(req.Key)) // checked when the catalog was read
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("signature key: %v", err)
		}
		sv, err := sigsig.LoadDefaultVerifier(pub)
		if err != nil {
			return nil, nil, fmt.Errorf("signature key: %v", err)
		}
		key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
		material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
		// The key is the trust anchor: no log or timestamp is needed.
		v, err := verify.NewVerifier(material, verify.WithNoObserverTimestamps())
		return v, verify.WithKey(), err
	}

	var material *root.TrustedRoot
	var err error
	if req.TrustedRoot != "" {
		material, err = root.NewTrustedRootFromPath(req.TrustedRoot)
	} else {
		material, err = root.FetchTrustedRootWithOptions(tuf.DefaultOptions().WithContext(ctx))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot load Sigstore's trusted root (%v): check the network, or name a trusted_root file in the entry's signature", err)
	}
	identity, err := verify.NewShortCertificateIdentity(req.Issuer, "", req.Identity, "")
	if err != nil {
		return nil, nil, fmt.Errorf("signature identity: %v", err)
	}
	v, err := verify.NewVerifier(material, timestampOptions(material)...)
	return v, verify.WithCertificateIdentity(identity), err
}

// timestampOptions asks for every proof the trusted root can vouch for:
// certificate transparency, a transparency log entry and an observed time
// (log or timestamp authority). A private root with neither log nor
// timestamp authority checks its long-lived certificates at the current time.
func timestampOptions(tr *root.TrustedRoot) []verify.VerifierOption {
	var opts []verify.VerifierOption
	if len(tr.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	switch {
	case len(tr.RekorLogs()) > 0:
		opts = append(opts, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	case len(tr.TimestampingAuthorities()) > 0:
		opts = append(opts, verify.WithSignedTimestamps(1))
	default:
		opts = append(opts, verify.WithCurrentTime())
	}
	return opts
}
