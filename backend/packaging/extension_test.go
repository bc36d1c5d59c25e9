package packaging

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/ui"
)

const root = "../.."

// Labels the Extensions SDK requires of an extension image.
var requiredLabels = []string{
	"org.opencontainers.image.title",
	"org.opencontainers.image.description",
	"org.opencontainers.image.vendor",
	"com.docker.desktop.extension.api.version",
	"com.docker.desktop.extension.icon",
	"com.docker.extension.screenshots",
	"com.docker.extension.detailed-description",
	"com.docker.extension.publisher-url",
	"com.docker.extension.additional-urls",
	"com.docker.extension.changelog",
	"com.docker.extension.categories",
}

// TestExtensionImage builds the extension image the way `make extension`
// does, from this machine's binary and UI with nothing pulled, and checks
// what Docker Desktop reads of it: the labels, metadata.json and the files
// it names, the backend's compose file, and that the binary runs.
func TestExtensionImage(t *testing.T) {
	testenv.RequireEngine(t)
	if ui.Files() == nil {
		t.Fatal("the UI is not built into this package: run `make ui` (make test does)")
	}
	image := extensionImage(t)

	var inspect []struct {
		Config struct{ Labels map[string]string }
	}
	if err := json.Unmarshal(docker(t, "image", "inspect", image), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("inspect: %v", err)
	}
	labels := inspect[0].Config.Labels
	for _, l := range requiredLabels {
		if strings.TrimSpace(labels[l]) == "" {
			t.Errorf("label %s is missing", l)
		}
	}
	for _, l := range []string{"com.docker.extension.screenshots", "com.docker.extension.publisher-url", "com.docker.extension.additional-urls"} {
		var list []map[string]string
		if err := json.Unmarshal([]byte(labels[l]), &list); err != nil || len(list) == 0 || list[0]["url"] == "" {
			t.Errorf("label %s is not a list of URLs: %q", l, labels[l])
		}
	}
	if !strings.HasPrefix(labels["com.docker.desktop.extension.api.version"], ">= ") {
		t.Errorf("api version %q", labels["com.docker.desktop.extension.api.version"])
	}

	files := extract(t, image)
	var meta struct {
		Icon string
		VM   struct{ Composefile string }
		UI   map[string]struct {
			Title, Root, Src string
			Backend          struct{ Socket string }
		} `json:"ui"`
	}
	if err := json.Unmarshal(read(t, files, "metadata.json"), &meta); err != nil {
		t.Fatal(err)
	}
	tab, ok := meta.UI["dashboard-tab"]
	if !ok || tab.Title == "" || tab.Backend.Socket == "" {
		t.Fatalf("metadata.json: no dashboard tab with a backend socket: %+v", meta.UI)
	}
	for _, f := range []string{meta.Icon, meta.VM.Composefile, filepath.Join(tab.Root, tab.Src), "bulkhead"} {
		if _, err := os.Stat(filepath.Join(files, f)); err != nil {
			t.Errorf("metadata.json names %s, which the image lacks", f)
		}
	}
	var compose struct {
		Services map[string]struct {
			Image   string
			Command []string
			Volumes []string
		}
	}
	if err := yaml.Unmarshal(read(t, files, meta.VM.Composefile), &compose); err != nil {
		t.Fatal(err)
	}
	backend := compose.Services["bulkhead"]
	want := "/run/guest-services/" + tab.Backend.Socket
	if backend.Image != "${DESKTOP_PLUGIN_IMAGE}" || !slices.Contains(backend.Command, want) || !slices.Contains(backend.Command, "serve") ||
		!slices.Contains(backend.Volumes, "/var/run/docker.sock.raw:/var/run/docker.sock") {
		t.Errorf("compose.yaml's backend does not serve %s with the Docker socket: %+v", want, backend)
	}

	if out := string(docker(t, "run", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL", image, "--version")); !strings.Contains(out, "bulkhead") {
		t.Errorf("the image's binary says %q", out)
	}
}

var built struct {
	sync.Once
	image string
	err   string
}

// TestMain removes the image the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.image != "" {
		exec.Command("docker", "image", "rm", "-f", built.image).Run()
	}
	os.Exit(code)
}

// extensionImage builds the image once for the package's tests.
func extensionImage(t *testing.T) string {
	t.Helper()
	built.Do(func() { built.image, built.err = buildExtension() })
	if built.err != "" {
		t.Fatal(built.err)
	}
	return built.image
}

// buildExtension builds the image from a context holding what `make
// extension` puts there.
func buildExtension() (image, failure string) {
	ctx, err := os.MkdirTemp("", "bulkhead-extension-")
	if err != nil {
		return "", err.Error()
	}
	defer os.RemoveAll(ctx)
	for _, f := range []string{"Dockerfile", "metadata.json", "compose.yaml", "docker.svg"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err == nil {
			err = os.WriteFile(filepath.Join(ctx, f), b, 0o644)
		}
		if err != nil {
			return "", err.Error()
		}
	}
	art := filepath.Join(ctx, "build", "extension")
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(art, "bulkhead"), "./backend/cmd/bulkhead")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build: %v\n%s", err, out)
	}
	if err := os.CopyFS(filepath.Join(art, "ui"), ui.Files()); err != nil {
		return "", err.Error()
	}
	image = "bulkhead-test/extension:" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("docker", "build", "--target", "extension-local", "-t", image, ctx)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("docker build: %v\n%s", err, out)
	}
	return image, ""
}

// extract copies the image's files into a folder.
func extract(t *testing.T, image string) string {
	t.Helper()
	id := strings.TrimSpace(string(docker(t, "create", image)))
	defer exec.Command("docker", "rm", "-f", id).Run()
	dir := t.TempDir()
	docker(t, "cp", id+":/", dir)
	return dir
}

func docker(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("docker %s: %v %s", strings.Join(args, " "), err, msg)
	}
	return out
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
