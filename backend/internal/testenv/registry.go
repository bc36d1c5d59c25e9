package testenv

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Registry is an in-memory OCI registry (go-containerregistry's, with the
// referrers API) served on loopback from the test process. The engine pulls
// from it for real; loopback registries need no TLS, and nothing leaves the
// machine.
type Registry struct {
	srv *httptest.Server
}

// NewRegistry starts a registry for the length of the test.
func NewRegistry(t testing.TB) *Registry {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))
	r := &Registry{srv: &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}}
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

// Close stops serving, as a registry out of reach would.
func (r *Registry) Close() { r.srv.Close() }

// Host is the registry's host:port, the first part of its image references.
func (r *Registry) Host() string { return r.srv.Listener.Addr().String() }

// Push publishes the server's image as host/name:tag (replacing what the tag
// pointed at) and returns the reference and the manifest digest.
func (r *Registry) Push(t testing.TB, repo, tag, server string, opts ...ImageOption) (ref, digest string) {
	t.Helper()
	raw, config, err := scratchOf(t, server, opts).Assemble()
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     types.DockerManifestSchema2,
		"config":        map[string]any{"mediaType": types.DockerConfigJSON, "size": len(config), "digest": digestOf(config)},
		"layers":        []map[string]any{{"mediaType": types.DockerLayer, "size": gz.Len(), "digest": digestOf(gz.Bytes())}},
	})
	ref = r.Host() + "/" + repo + ":" + tag
	r.put(t, ref, types.DockerManifestSchema2, manifest, static.NewLayer(config, types.DockerConfigJSON), static.NewLayer(gz.Bytes(), types.DockerLayer))
	return ref, digestOf(manifest)
}

// put uploads blobs, then a manifest under ref (a tag or a digest).
func (r *Registry) put(t testing.TB, ref string, mt types.MediaType, manifest []byte, blobs ...v1.Layer) {
	t.Helper()
	named, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		if err := remote.WriteLayer(named.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := remote.Put(named, rawManifest{manifest, mt}); err != nil {
		t.Fatal(err)
	}
}

type rawManifest struct {
	data []byte
	mt   types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.data, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }
