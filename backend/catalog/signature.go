package catalog

import (
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"
)

// Signature says who must have signed an entry's image with Sigstore
// (cosign sign): the holder of a key, or a keyless identity vouched for by
// a certificate authority. Bulkhead checks it before the image runs.
type Signature struct {
	Key         string `yaml:"key,omitempty" json:"key,omitempty"`                  // PEM public key
	Identity    string `yaml:"identity,omitempty" json:"identity,omitempty"`        // the certificate's subject: an email or URI
	Issuer      string `yaml:"issuer,omitempty" json:"issuer,omitempty"`            // the OIDC issuer that vouched for it
	TrustedRoot string `yaml:"trusted_root,omitempty" json:"trustedRoot,omitempty"` // a private Sigstore's trusted_root.json; default: the public one
}

func (s *Signature) validate() error {
	switch {
	case s.Key != "" && (s.Identity != "" || s.Issuer != ""):
		return bad("signature", "signature names both a key and an identity: choose one")
	case s.Key != "":
		block, _ := pem.Decode([]byte(s.Key))
		if block == nil || block.Type != "PUBLIC KEY" {
			return bad("signature.key", "signature key must be a PEM public key (-----BEGIN PUBLIC KEY-----), as in cosign.pub")
		}
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			return bad("signature.key", "signature key cannot be read: %v", err)
		}
		if s.TrustedRoot != "" {
			return bad("signature.trusted_root", "a trusted root is for keyless signatures: drop trusted_root or the key")
		}
	case s.Identity == "" || s.Issuer == "":
		return bad("signature", "signature needs a key, or an identity and its issuer (e.g. identity: https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1, issuer: https://token.actions.githubusercontent.com)")
	case !strings.Contains(s.Identity, "@") && !isURL(s.Identity):
		return bad("signature.identity", "signature identity %q is neither an email nor a URI", s.Identity)
	case !isURL(s.Issuer):
		return bad("signature.issuer", "signature issuer %q is not a URL", s.Issuer)
	}
	return nil
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}
