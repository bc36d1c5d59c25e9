package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// testEngine connects to the real engine with a fresh Bulkhead home, and
// removes whatever the test leaves of that home.
func testEngine(t *testing.T) *Engine {
	t.Helper()
	testenv.RequireEngine(t)
	e, err := Connect(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		list, _ := e.List(context.Background())
		for _, c := range list {
			e.remove(context.Background(), c.ID)
		}
		e.Close()
	})
	return e
}

// launchEntry launches a server from a local image with extra entry YAML.
func launchEntry(t *testing.T, e *Engine, name, image, extra string) *Sandbox {
	t.Helper()
	ctx := context.Background()
	en := entryFor(t, name, image, extra)
	img, err := e.ResolveImage(ctx, en.Image, PullNever, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := NewSpec(en, img, e.Host())
	if err != nil {
		t.Fatal(err)
	}
	sb, err := e.Launch(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sb.Stop(ctx)
	})
	return sb
}

// session speaks MCP to a sandbox over its attached stdio.
func session(t *testing.T, sb *Sandbox) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "bulkhead-test", Version: "0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.IOTransport{Reader: sb.Stdout(), Writer: sb.Stdin()}, nil)
	if err != nil {
		t.Fatalf("MCP initialize through the sandbox: %v", err)
	}
	return cs
}

// callStructured calls a tool and decodes its structured result into out.
func callStructured(t *testing.T, cs *mcp.ClientSession, tool string, args any, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	if res.IsError {
		raw, _ := json.Marshal(res.Content)
		t.Fatalf("call %s returned an error result: %s", tool, raw)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %s result %s: %v", tool, raw, err)
	}
}

// runRaw runs a container straight from the engine API, outside the
// sandbox, for positive controls; it returns the container's stdout.
func runRaw(t *testing.T, cli *client.Client, cfg *container.Config, host *container.HostConfig) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
	wait := cli.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wait.Result:
	case err := <-wait.Error:
		t.Fatal(err)
	}
	logs, err := cli.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	stdcopy.StdCopy(&stdout, &stderr, logs)
	return stdout.String() + stderr.String()
}
