package testenv

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const manifestType = "application/vnd.docker.distribution.manifest.v2+json"

// Registry is a read-only image registry (the Registry HTTP API v2 subset a
// pull uses) served on loopback from the test process. The engine pulls from
// it for real; loopback registries need no TLS, and nothing leaves the machine.
type Registry struct {
	srv       *httptest.Server
	mu        sync.Mutex
	blobs     map[string][]byte // digest -> content
	manifests map[string][]byte // "name:tag" and "name@digest" -> manifest
}

// NewRegistry starts a registry for the length of the test.
func NewRegistry(t testing.TB) *Registry {
	r := &Registry{blobs: map[string][]byte{}, manifests: map[string][]byte{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(r.serve)}}
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

// Host is the registry's host:port, the first part of its image references.
func (r *Registry) Host() string { return r.srv.Listener.Addr().String() }

// Push publishes the server's image as host/name:tag (replacing what the tag
// pointed at) and returns the reference and the manifest digest.
func (r *Registry) Push(t testing.TB, name, tag, server string, opts ...ImageOption) (ref, digest string) {
	t.Helper()
	raw, config, err := scratchOf(t, server, opts).Assemble()
	if err != nil {
		t.Fatal(err)
	}
	id := digestOf(config)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	layer := gz.Bytes()
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     manifestType,
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": id},
		"layers":        []map[string]any{{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digestOf(layer)}},
	})
	digest = digestOf(manifest)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobs[id] = config
	r.blobs[digestOf(layer)] = layer
	r.manifests[name+":"+tag] = manifest
	r.manifests[name+"@"+digest] = manifest
	return r.Host() + "/" + name + ":" + tag, digest
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		http.Error(w, "read-only registry", http.StatusMethodNotAllowed)
		return
	}
	path := strings.TrimPrefix(req.URL.Path, "/v2/")
	if path == "" || path == req.URL.Path {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var body []byte
	if name, ref, ok := strings.Cut(path, "/manifests/"); ok {
		sep := ":"
		if strings.HasPrefix(ref, "sha256:") {
			sep = "@"
		}
		body = r.manifests[name+sep+ref]
		w.Header().Set("Content-Type", manifestType)
		w.Header().Set("Docker-Content-Digest", digestOf(body))
	} else if _, digest, ok := strings.Cut(path, "/blobs/"); ok {
		body = r.blobs[digest]
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	if body == nil {
		http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}`, http.StatusNotFound)
		return
	}
	w.Write(body)
}
