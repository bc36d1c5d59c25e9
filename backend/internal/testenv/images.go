package testenv

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// ImageOption changes how ServerImage packs an image.
type ImageOption func(*imageSpec)

type imageSpec struct {
	tag       string
	setuidAt  string
	extraArgs []string
}

// Tag names the image instead of the default content-derived tag.
func Tag(ref string) ImageOption { return func(s *imageSpec) { s.tag = ref } }

// SetuidRootCopy adds a root-owned setuid copy of the server binary at path,
// as a hostile image could ship one.
func SetuidRootCopy(path string) ImageOption { return func(s *imageSpec) { s.setuidAt = path } }

// Cmd sets the image's default arguments.
func Cmd(args ...string) ImageOption { return func(s *imageSpec) { s.extraArgs = args } }

// ServerImage compiles testdata/servers/<server> into a static binary and
// loads it into the engine as a one-layer FROM-scratch image with the binary
// at /server. The image is assembled by hand and loaded, not built, so no
// base image is pulled and file modes (setuid) survive. Returns the image
// reference.
func ServerImage(t testing.TB, cli *client.Client, server string, opts ...ImageOption) string {
	t.Helper()
	img := assemble(t, server, opts)
	tag := img.spec.tag
	if tag == "" {
		tag = fmt.Sprintf("bulkhead-test/%s:%s", server, img.id[len("sha256:"):][:12])
	}
	layer, config := img.layer, img.config

	ctx := context.Background()
	if got, err := cli.ImageInspect(ctx, tag); err == nil && got.ID == img.id {
		return tag
	}
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": "config.json", "RepoTags": []string{tag}, "Layers": []string{"layer.tar"},
	}})
	archive := tarFiles(t, func(tw *tar.Writer) {
		addBytes(t, tw, "layer.tar", layer, 0o644)
		addBytes(t, tw, "config.json", config, 0o644)
		addBytes(t, tw, "manifest.json", manifest, 0o644)
	})
	res, err := cli.ImageLoad(ctx, bytes.NewReader(archive))
	if err != nil {
		t.Fatalf("load image %s: %v", tag, err)
	}
	defer res.Close()
	if err := jsonmessage.DisplayStream(res, io.Discard); err != nil {
		t.Fatalf("load image %s: %v", tag, err)
	}
	return tag
}

// assembled is a one-layer image: an uncompressed layer tar and its config.
type assembled struct {
	spec   imageSpec
	layer  []byte
	config []byte
	id     string // sha256 of the config: the engine's image ID
}

func assemble(t testing.TB, server string, opts []ImageOption) assembled {
	t.Helper()
	spec := imageSpec{}
	for _, o := range opts {
		o(&spec)
	}
	bin := serverBinary(t, server)
	layer := tarFiles(t, func(tw *tar.Writer) {
		addBytes(t, tw, "server", bin, 0o755)
		if spec.setuidAt != "" {
			addBytes(t, tw, spec.setuidAt[1:], bin, 0o4755)
		}
	})
	config, _ := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config": map[string]any{
			"Entrypoint": []string{"/server"},
			"Cmd":        spec.extraArgs,
			"Labels":     map[string]string{"dev.bulkhead.test": "true"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digestOf(layer)}},
	})
	return assembled{spec: spec, layer: layer, config: config, id: digestOf(config)}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

var binaries sync.Map // server name -> *binary

type binary struct {
	once sync.Once
	path string
	err  error
}

// serverBinary builds a server once per test process.
func serverBinary(t testing.TB, server string) []byte {
	t.Helper()
	v, _ := binaries.LoadOrStore(server, &binary{})
	b := v.(*binary)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "bulkhead-testbin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, server)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", b.path, "./testdata/servers/"+server)
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", server, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	data, err := os.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func tarFiles(t testing.TB, add func(*tar.Writer)) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add(tw)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func addBytes(t testing.TB, tw *tar.Writer, name string, data []byte, mode int64) {
	t.Helper()
	hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Uid: 0, Gid: 0, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
}
