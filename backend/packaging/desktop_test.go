package packaging

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// TestHostClientsReachTheExtensionsGateway runs the extension image as
// Docker Desktop runs its backend (compose.yaml: the Docker socket, the
// data and run volumes, serve on the two sockets) and connects a real MCP
// client the way the entry `bulkhead client config --docker-desktop` writes
// does: a locked-down `docker run -i ... bridge` container. The client calls
// a sandboxed server's tool, and stopping the backend leaves nothing behind.
func TestHostClientsReachTheExtensionsGateway(t *testing.T) {
	cli := testenv.RequireEngine(t)
	image := extensionImage(t)
	wb := testenv.ServerImage(t, cli, "wellbehaved")

	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	data, run, backend := "bulkhead-test-data-"+id, "bulkhead-test-run-"+id, "bulkhead-test-backend-"+id
	catalog := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := os.WriteFile(catalog, []byte("version: 1\nservers:\n  - name: wb\n    image: "+wb+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("docker", "volume", "rm", "-f", data, run).Run() })
	mounts := []string{"-v", data + ":/data", "-v", catalog + ":/catalog.yaml:ro"}
	bulkhead := func(args ...string) {
		t.Helper()
		docker(t, append(append(append([]string{"run", "--rm", "--user", "0:0"}, mounts...), image, "--home", "/data", "--catalog", "/catalog.yaml"), args...)...)
	}
	bulkhead("enable", "wb")
	bulkhead("policy", "set", "wb", "allow")

	docker(t, append(append([]string{"run", "-d", "--name", backend, "--user", "0:0", "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", run + ":/run/bulkhead"}, mounts...),
		image, "--home", "/data", "--catalog", "/catalog.yaml", "serve", "--socket", "/run/guest-services/bulkhead.sock", "--gateway-socket", "/run/bulkhead/gateway.sock")...)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", backend).Run() })
	testenv.WaitFor(t, "the backend to serve", func() bool {
		out, _ := exec.Command("docker", "logs", backend).CombinedOutput()
		return strings.Contains(string(out), "web UI and API at unix:/run/guest-services/bulkhead.sock")
	})

	args := clientEntry(t, image)
	for i, a := range args {
		args[i] = strings.Replace(a, "bulkhead-run:", run+":", 1)
	}
	var stderr strings.Builder
	cmd := exec.Command("docker", args...)
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := testenv.NewObserverClient().Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		logs, _ := exec.Command("docker", "logs", backend).CombinedOutput()
		t.Fatalf("connect through the bridge: %v\nbridge: %s\nbackend: %s", err, stderr.String(), logs)
	}
	if got := testenv.Text(testenv.Call(t, cs, "wb__echo", map[string]any{"text": "from the host"})); got != "echo: from the host" {
		t.Errorf("wb__echo = %q", got)
	}
	cs.Close()

	docker(t, "stop", "-t", "30", backend)
	out := docker(t, "ps", "-aq", "--filter", "label="+sandbox.LabelHome+"="+sandbox.HomeID("/data"), "--filter", "label="+sandbox.LabelServer+"=wb")
	if strings.TrimSpace(string(out)) != "" {
		logs, _ := exec.Command("docker", "logs", "--tail", "30", backend).CombinedOutput()
		t.Errorf("the stopped backend left sandboxes: %s\nbackend: %s", out, logs)
	}
}

// clientEntry is the command line `bulkhead client config --docker-desktop`
// gives clients, from the binary in the image.
func clientEntry(t *testing.T, image string) []string {
	t.Helper()
	out := docker(t, "run", "--rm", "--network", "none", image, "--home", "/tmp", "client", "config", "generic", "--docker-desktop", image)
	var doc struct {
		MCPServers map[string]struct {
			Command string
			Args    []string
		} `json:"mcpServers"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("client config: %v: %s", err, out)
	}
	e := doc.MCPServers["bulkhead"]
	if e.Command != "docker" || len(e.Args) == 0 {
		t.Fatalf("client entry %+v", e)
	}
	return e.Args
}
