package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/scratch"
)

// ImageOption changes how ServerImage packs an image.
type ImageOption func(*imageSpec)

type imageSpec struct {
	tag       string
	setuidAt  string
	extraArgs []string
	files     []scratch.File
	volumes   []string
}

// Tag names the image instead of the default content-derived tag.
func Tag(ref string) ImageOption { return func(s *imageSpec) { s.tag = ref } }

// SetuidRootCopy adds a root-owned setuid copy of the server binary at path,
// as a hostile image could ship one.
func SetuidRootCopy(path string) ImageOption { return func(s *imageSpec) { s.setuidAt = path } }

// Files adds files or directories to the image, as an image's own /etc
// or /tmp would be.
func Files(files ...scratch.File) ImageOption {
	return func(s *imageSpec) { s.files = append(s.files, files...) }
}

// Volumes declares volumes in the image's config, as VOLUME does.
func Volumes(paths ...string) ImageOption { return func(s *imageSpec) { s.volumes = paths } }

// Cmd sets the image's default arguments.
func Cmd(args ...string) ImageOption { return func(s *imageSpec) { s.extraArgs = args } }

// ServerImage compiles testdata/servers/<server> into a static binary and
// loads it into the engine as a one-layer FROM-scratch image with the binary
// at /server. The image is assembled by hand and loaded, not built, so no
// base image is pulled and file modes (setuid) survive. Returns the image
// reference.
func ServerImage(t testing.TB, cli *client.Client, server string, opts ...ImageOption) string {
	t.Helper()
	img := scratchOf(t, server, opts)
	if _, err := scratch.Load(context.Background(), cli, img); err != nil {
		t.Fatal(err)
	}
	return img.Ref
}

func scratchOf(t testing.TB, server string, opts []ImageOption) scratch.Image {
	t.Helper()
	spec := imageSpec{}
	for _, o := range opts {
		o(&spec)
	}
	bin := readBinary(t, "./testdata/servers/"+server)
	img := scratch.Image{
		Ref:        spec.tag,
		Files:      append([]scratch.File{{Path: "server", Data: bin, Mode: 0o755}}, spec.files...),
		Entrypoint: []string{"/server"},
		Cmd:        spec.extraArgs,
		Labels:     map[string]string{"dev.bulkhead.test": "true"},
		Volumes:    spec.volumes,
	}
	if spec.setuidAt != "" {
		img.Files = append(img.Files, scratch.File{Path: spec.setuidAt[1:], Data: bin, Mode: 0o4755})
	}
	if img.Ref == "" {
		_, config, err := img.Assemble()
		if err != nil {
			t.Fatal(err)
		}
		img.Ref = fmt.Sprintf("bulkhead-test/%s:%s", server, digestOf(config)[len("sha256:"):][:12])
	}
	return img
}

// ServerBinary builds testdata/servers/<server> into a static binary and
// returns its path.
func ServerBinary(t testing.TB, server string) string {
	t.Helper()
	return binaryPath(t, "./testdata/servers/"+server)
}

// BulkheadBinary builds the bulkhead command, static for Linux, and returns
// its path: what the helper images run.
func BulkheadBinary(t testing.TB) string {
	t.Helper()
	return binaryPath(t, "./backend/cmd/bulkhead")
}

var binaries sync.Map // server name -> *binary

type binary struct {
	once sync.Once
	path string
	err  error
}

// binaryPath builds a package once per test process, static for Linux.
func binaryPath(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := binaries.LoadOrStore(pkg, &binary{})
	b := v.(*binary)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "bulkhead-testbin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", b.path, pkg)
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func readBinary(t testing.TB, pkg string) []byte {
	t.Helper()
	data, err := os.ReadFile(binaryPath(t, pkg))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
