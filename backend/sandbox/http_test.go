package sandbox

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/relay"
)

// httpSession speaks MCP to a server that listens on HTTP in its sandbox,
// through its relay.
func httpSession(t *testing.T, sb *Sandbox) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "bulkhead-test", Version: "0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   "http://sandbox" + sb.Spec.HTTP.Path,
		HTTPClient: relay.Client(sb.Stdout(), sb.Stdin()),
	}, nil)
	if err != nil {
		t.Fatalf("MCP initialize through the relay: %v", err)
	}
	return cs
}

// TestHTTPServerSitsOnAPrivateNetwork launches a server that speaks HTTP in
// its container. It publishes no port, shares a network only with its
// relay, and cannot reach the host, which a plain internal network allows.
func TestHTTPServerSitsOnAPrivateNetwork(t *testing.T) {
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	img := testenv.ServerImage(t, e.Client(), "hostile")
	target := bridgeListener(t, e.Client())
	ctx := context.Background()

	t.Run("control: a plain internal network reaches the host", func(t *testing.T) {
		name := "bulkhead-test-internal-" + randomHex(3)
		if _, err := e.Client().NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Internal: true}); err != nil {
			t.Fatal(err)
		}
		defer e.removeNetwork(ctx, name)
		out := runRaw(t, e.Client(), &container.Config{Image: img, Cmd: []string{"probe-net", target}}, &container.HostConfig{NetworkMode: container.NetworkMode(name)})
		var a attempt
		if err := json.Unmarshal([]byte(out), &a); err != nil || !a.Worked {
			t.Fatalf("probe from an ordinary internal network: %q", out)
		}
	})

	sb := launchEntry(t, e, "hostile", img, "    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n")
	cs := httpSession(t, sb)
	defer cs.Close()
	var rep struct {
		Attempts map[string]attempt `json:"attempts"`
	}
	callStructured(t, cs, "escape", map[string]any{"target": target, "name": "example.com", "hogMiB": 0, "forkMax": 0}, &rep)
	for name, a := range rep.Attempts {
		t.Logf("%-15s worked=%-5v %s", name, a.Worked, a.Detail)
	}
	for _, b := range []struct{ name, why string }{
		{"net_ip", "no route to host|network is unreachable|i/o timeout"},
		{"net_dns", "127.0.0.11:53"}, // only the engine's resolver, which knows no outside names here
		{"identity", "uid=65534 gid=65534 euid=65534"},
		{"write_root", "read-only file system"},
		{"docker_sock", "no such file or directory|socket: operation not permitted"},
		{"capabilities", "CapEff:0000000000000000"},
	} {
		a := rep.Attempts[b.name]
		if a.Worked || !regexp.MustCompile(b.why).MatchString(a.Detail) {
			t.Errorf("%s: worked=%v %q, want a failure matching %q", b.name, a.Worked, a.Detail, b.why)
		}
	}
	if a := rep.Attempts["net_loopback"]; !a.Worked {
		t.Errorf("control: loopback inside the sandbox failed: %s", a.Detail)
	}

	server := inspect(t, e, sb.ID)
	if server.HostConfig.NetworkMode != container.NetworkMode(sb.network) || len(server.HostConfig.PortBindings) != 0 || server.HostConfig.PublishAllPorts {
		t.Errorf("server network %q ports %v, want only %q and none published", server.HostConfig.NetworkMode, server.HostConfig.PortBindings, sb.network)
	}
	nw, err := e.Client().NetworkInspect(ctx, sb.network, client.NetworkInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for id := range nw.Network.Containers {
		members = append(members, id)
	}
	if !nw.Network.Internal || nw.Network.Options["com.docker.network.bridge.inhibit_ipv4"] != "true" ||
		!slices.Equal(slices.Sorted(slices.Values(members)), slices.Sorted(slices.Values([]string{sb.ID, sb.relay.ID}))) {
		t.Errorf("private network: internal=%v options=%v members=%v", nw.Network.Internal, nw.Network.Options, members)
	}

	r := inspect(t, e, sb.relay.ID)
	h := r.HostConfig
	if !h.ReadonlyRootfs || !slices.Equal(h.CapDrop, []string{"ALL"}) || !slices.Contains(h.SecurityOpt, "no-new-privileges:true") ||
		r.Config.User != "65534:65534" || h.Privileged || h.Memory != 64<<20 || len(h.PortBindings) != 0 || r.Config.Labels[LabelRole] != "relay" {
		t.Errorf("relay is not locked down: %+v %+v", r.Config, h)
	}
	if list, _ := e.List(ctx); len(list) != 1 || list[0].ID != sb.ID {
		t.Errorf("List should show the server alone, not its relay: %+v", list)
	}

	stopCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := sb.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if err := sb.Err(); err != nil {
		t.Errorf("a stopped HTTP server reports %v", err)
	}
	for _, id := range []string{sb.ID, sb.relay.ID} {
		if _, err := e.Client().ContainerInspect(ctx, id, client.ContainerInspectOptions{}); err == nil {
			t.Errorf("container %s left after Stop", id)
		}
	}
	if _, err := e.Client().NetworkInspect(ctx, sb.network, client.NetworkInspectOptions{}); err == nil {
		t.Errorf("network %s left after Stop", sb.network)
	}
}

func inspect(t *testing.T, e *Engine, id string) container.InspectResponse {
	t.Helper()
	info, err := e.Client().ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return info.Container
}
