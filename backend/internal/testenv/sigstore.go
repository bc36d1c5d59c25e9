package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// Signer signs images as `cosign sign` does: a Sigstore bundle holding a
// DSSE-signed in-toto statement about the image's digest. Keyless signers
// get their certificates from a certificate authority made for the test.
type Signer struct {
	kp    sign.Keypair
	certs sign.CertificateProvider // nil when signing with the key alone
}

// NewKeySigner makes a signer with a fresh key and returns its public key
// in PEM, as in cosign.pub.
func NewKeySigner(t testing.TB) (*Signer, string) {
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.GetPublicKeyPem()
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{kp: kp}, pub
}

// NewKeylessSigner makes a signer whose certificates name identity and
// issuer, from a new certificate authority, and writes a trusted_root.json
// naming that authority; it returns the file's path.
func NewKeylessSigner(t testing.TB, identity, issuer string) (*Signer, string) {
	ca := newTestCA(t)
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{&root.FulcioCertificateAuthority{
		Root: ca.cert, ValidityPeriodStart: ca.cert.NotBefore, ValidityPeriodEnd: ca.cert.NotAfter,
	}}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{kp: kp, certs: &testFulcio{ca: ca, identity: identity, issuer: issuer}}, path
}

// Bundle signs a statement of predicateType about subject (sha256:...) and
// returns the bundle's JSON.
func (s *Signer) Bundle(t testing.TB, subject, predicateType string) []byte {
	t.Helper()
	algo, hexDigest, _ := strings.Cut(subject, ":")
	statement, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []map[string]any{{"name": "image", "digest": map[string]string{algo: hexDigest}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	})
	pb, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: "application/vnd.in-toto+json"}, s.kp,
		sign.BundleOptions{CertificateProvider: s.certs, Context: context.Background()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Attach stores bundle in the registry as a referrer of repo@digest, the
// way cosign attaches signatures.
func (r *Registry) Attach(t testing.TB, repo, digest string, bundleJSON []byte) {
	t.Helper()
	const bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	empty := []byte("{}")
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     types.OCIManifestSchema1,
		"artifactType":  bundleType,
		"config":        map[string]any{"mediaType": "application/vnd.oci.empty.v1+json", "size": len(empty), "digest": digestOf(empty)},
		"layers":        []map[string]any{{"mediaType": bundleType, "size": len(bundleJSON), "digest": digestOf(bundleJSON)}},
		"subject":       map[string]any{"mediaType": types.DockerManifestSchema2, "digest": digest, "size": 0},
	})
	r.put(t, r.Host()+"/"+repo+"@"+digestOf(manifest), types.OCIManifestSchema1, manifest,
		static.NewLayer(empty, "application/vnd.oci.empty.v1+json"), static.NewLayer(bundleJSON, bundleType))
}

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t testing.TB) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bulkhead test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key}
}

// testFulcio issues code-signing certificates the way Fulcio does: the
// identity as a subject alternative name, the issuer in Sigstore's extension.
type testFulcio struct {
	ca               *testCA
	identity, issuer string
}

func (f *testFulcio) GetCertificate(_ context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
	issuer, err := asn1.MarshalWithParams(f.issuer, "utf8")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{{Id: certificate.OIDIssuerV2, Value: issuer}},
	}
	if u, err := url.Parse(f.identity); err == nil && u.Scheme != "" {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{f.identity}
	}
	return x509.CreateCertificate(rand.Reader, tmpl, f.ca.cert, kp.GetPublicKey(), f.ca.key)
}
