package sandbox

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestLaunchedContainerHasEveryDefault checks, from the engine's own
// inspect, every protection the launcher promises, then speaks MCP to it.
func TestLaunchedContainerHasEveryDefault(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "wellbehaved")
	shared := t.TempDir()
	sb := launchEntry(t, e, "wellbehaved", img, "    env: {GREETING: hi}\n    permissions:\n      memory: 96MiB\n      pids: 48\n      cpu: 0.5\n      mounts:\n        - {host: "+shared+", container: /shared}\n")

	info, err := e.Client().ContainerInspect(context.Background(), sb.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := info.Container
	h := c.HostConfig
	resolved, _ := e.ResolveImage(context.Background(), img, PullNever, nil)
	checks := []struct {
		what string
		ok   bool
		got  any
	}{
		{"image is the resolved ID", c.Image == resolved.ID && c.Config.Image == resolved.ID, c.Config.Image},
		{"read-only root", h.ReadonlyRootfs, h.ReadonlyRootfs},
		{"size-limited noexec tmpfs on /tmp", strings.Contains(h.Tmpfs["/tmp"], "size=67108864") && strings.Contains(h.Tmpfs["/tmp"], "noexec"), h.Tmpfs},
		{"all capabilities dropped", slices.Equal(h.CapDrop, []string{"ALL"}) && len(h.CapAdd) == 0, h.CapDrop},
		{"no-new-privileges", slices.Contains(h.SecurityOpt, "no-new-privileges:true"), h.SecurityOpt},
		{"seccomp and apparmor not disabled", !slices.ContainsFunc(h.SecurityOpt, func(s string) bool { return strings.Contains(s, "unconfined") }), h.SecurityOpt},
		{"non-root user", c.Config.User == "65534:65534", c.Config.User},
		{"init process", h.Init != nil && *h.Init, h.Init},
		{"memory limit without swap", h.Memory == 96<<20 && h.MemorySwap == 96<<20, []int64{h.Memory, h.MemorySwap}},
		{"pids limit", h.PidsLimit != nil && *h.PidsLimit == 48, h.PidsLimit},
		{"cpu limit", h.NanoCPUs == 5e8, h.NanoCPUs},
		{"no network", h.NetworkMode == "none" && c.Config.NetworkDisabled, h.NetworkMode},
		{"no network endpoint but none", onlyNone(c.NetworkSettings.Networks), c.NetworkSettings.Networks},
		{"no published ports", len(h.PortBindings) == 0 && !h.PublishAllPorts, h.PortBindings},
		{"not privileged", !h.Privileged, h.Privileged},
		{"no host namespaces", h.PidMode == "" && !h.IpcMode.IsHost() && h.UTSMode == "" && h.UsernsMode == "" && !h.CgroupnsMode.IsHost(), []any{h.PidMode, h.IpcMode, h.UTSMode, h.UsernsMode, h.CgroupnsMode}},
		{"no devices", len(h.Devices) == 0, h.Devices},
		{"engine keeps no copy of the traffic", h.LogConfig.Type == "none", h.LogConfig.Type},
		{"no restart by the engine", h.RestartPolicy.Name == "no" || h.RestartPolicy.Name == "", h.RestartPolicy},
		{"labels identify Bulkhead", c.Config.Labels[LabelManaged] == "true" && c.Config.Labels[LabelServer] == "wellbehaved" && c.Config.Labels[LabelHome] == e.homeID && c.Config.Labels[LabelInstance] != "" && c.Config.Labels[LabelImage] == img, c.Config.Labels},
		{"env is the entry's plus HOME", slices.Equal(c.Config.Env, []string{"GREETING=hi", "HOME=/tmp"}), c.Config.Env},
		{"stdin attached and open", c.Config.OpenStdin && c.Config.StdinOnce && !c.Config.Tty, c.Config},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: got %+v", ch.what, ch.got)
		}
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Source != shared || c.Mounts[0].Destination != "/shared" || c.Mounts[0].RW {
		t.Errorf("grant should be one read-only bind: %+v", c.Mounts)
	}

	cs := session(t, sb)
	defer cs.Close()
	if names := testenv.ToolNames(t, cs); !slices.Equal(names, []string{"add", "echo", "env", "whoami"}) {
		t.Errorf("tools = %v", names)
	}
	var who struct {
		UID, GID                  int
		RootWritable, TmpWritable bool
	}
	callStructured(t, cs, "whoami", map[string]any{}, &who)
	if who.UID != 65534 || who.GID != 65534 || who.RootWritable || !who.TmpWritable {
		t.Errorf("inside the sandbox: %+v", who)
	}
}

func TestStopRestartAndStatus(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "wellbehaved")
	sb := launchEntry(t, e, "wellbehaved", img, "")
	ctx := context.Background()

	list, err := e.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != sb.ID || list[0].State != "running" || list[0].Server != "wellbehaved" || list[0].Image != img {
		t.Fatalf("status = %+v, %v", list, err)
	}

	next, err := sb.Restart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Stop(ctx)
	if next.ID == sb.ID {
		t.Fatal("restart reused the container")
	}
	if x := sb.Exit(); !x.Stopped || sb.Err() != nil {
		t.Errorf("old sandbox: exit %+v, err %v", x, sb.Err())
	}
	cs := session(t, next)
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "again"}})
	if err != nil || res.Content[0].(*mcp.TextContent).Text != "echo: again" {
		t.Fatalf("restarted server: %+v, %v", res, err)
	}
	cs.Close()
	list, _ = e.List(ctx)
	if len(list) != 1 || list[0].ID != next.ID {
		t.Errorf("after restart: %+v", list)
	}

	if err := next.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.List(ctx); len(list) != 0 {
		t.Errorf("stopped server left containers: %+v", list)
	}
}

func TestStopEscalatesForAServerThatIgnoresItsInput(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile")
	sb := launchEntry(t, e, "sleeper", img, "    args: [sleep, \"600\"]\n")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := sb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !sb.Exit().Stopped {
		t.Errorf("exit = %+v", sb.Exit())
	}
	if list, _ := e.List(ctx); len(list) != 0 {
		t.Errorf("left behind: %+v", list)
	}
	t.Logf("stopped in %v", time.Since(start))
}

func TestCrashingServerExplainsAndLeavesNothing(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "wellbehaved")
	sb := launchEntry(t, e, "crashy", img, "    args: [--crash]\n")
	select {
	case <-sb.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("crashing server never ended")
	}
	err := sb.Err()
	if err == nil {
		t.Fatal("no error for a crash")
	}
	for _, want := range []string{`server "crashy" exited with code 3`, "no configuration found at /config/server.toml", "bulkhead logs crashy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if list, _ := e.List(context.Background()); len(list) != 0 {
		t.Errorf("crash left containers: %+v", list)
	}
	log, _ := os.ReadFile(LogPath(e.home, "crashy"))
	if !strings.Contains(string(log), "no configuration found") {
		t.Errorf("stderr not in the server log: %q", log)
	}
}

func TestMissingImageIsAClearError(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	// A registry on a closed local port: the pull fails at once, and no
	// traffic leaves the machine.
	ref := "127.0.0.1:1/bulkhead-test/missing:1"
	_, err := e.ResolveImage(ctx, ref, PullMissing, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "image "+ref+" is not on this engine and pulling it failed") || strings.Contains(err.Error(), "\n") {
		t.Errorf("pull failure: %v", err)
	}
	_, err = e.ResolveImage(ctx, ref, PullNever, nil)
	if err == nil || !strings.Contains(err.Error(), "pulling is off") {
		t.Errorf("never pull: %v", err)
	}
}

func TestResolveImageGivesIDAndFollowsTagMoves(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	tag := "bulkhead-test/moving:" + filepath.Base(t.TempDir())
	testenv.ServerImage(t, e.Client(), "wellbehaved", testenv.Tag(tag))
	first, err := e.ResolveImage(ctx, tag, PullNever, nil)
	if err != nil || !strings.HasPrefix(first.ID, "sha256:") || first.RepoDigest != "" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	testenv.ServerImage(t, e.Client(), "hostile", testenv.Tag(tag))
	second, err := e.ResolveImage(ctx, tag, PullNever, nil)
	if err != nil || second.ID == first.ID {
		t.Fatalf("after the tag moved: %+v, %v", second, err)
	}
	t.Cleanup(func() { e.Client().ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true}) })
}

func TestReapRemovesOnlyOrphans(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "wellbehaved")
	feat := testenv.ServerImage(t, cli, "featureful")
	home := t.TempDir()
	ctx := context.Background()
	engineAt := func() *Engine {
		e, err := Connect(ctx, home)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	dead, live, reaper := engineAt(), engineAt(), engineAt()
	defer live.Close()
	defer reaper.Close()
	dead.UseHelper(testenv.BulkheadBinary(t))
	orphan := launchEntry(t, dead, "orphan", img, "")
	// An HTTP server leaves three things: itself, its relay, their network.
	orphanHTTP := launchEntry(t, dead, "orphan-http", feat, "    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n")
	kept := launchEntry(t, live, "kept", img, "")
	// Networks whose owner crashed between creating them and starting a
	// container, with nobody left to remove them.
	strayDead, _, err := dead.createNetwork(ctx, "stray", dead.labels(Spec{Server: "stray"}, dead.instance))
	if err != nil {
		t.Fatal(err)
	}
	defer dead.removeNetwork(ctx, strayDead) // should the reap fail
	strayLive, _, err := live.createNetwork(ctx, "stray", live.labels(Spec{Server: "stray"}, live.instance))
	if err != nil {
		t.Fatal(err)
	}
	defer live.removeNetwork(ctx, strayLive)
	// The owner dies without stopping anything: its lock goes with it.
	dead.instance.file.Close()

	other := testEngine(t) // another home on the same engine
	foreign := launchEntry(t, other, "foreign", img, "")

	n, err := reaper.Reap(ctx)
	if err != nil || n != 3 {
		t.Fatalf("reaped %d, %v; want exactly the orphans' three containers", n, err)
	}
	for _, sb := range []*Sandbox{orphan, orphanHTTP} {
		select {
		case <-sb.Done():
		case <-time.After(30 * time.Second):
			t.Fatalf("orphan %s still running", sb.Spec.Server)
		}
	}
	for _, nw := range []string{orphanHTTP.network, strayDead} {
		if _, err := cli.NetworkInspect(ctx, nw, client.NetworkInspectOptions{}); err == nil {
			t.Errorf("the orphaned network %s survived the reap", nw)
		}
	}
	if _, err := cli.NetworkInspect(ctx, strayLive, client.NetworkInspectOptions{}); err != nil {
		t.Errorf("a live instance's network was reaped: %v", err)
	}
	for _, sb := range []*Sandbox{kept, foreign} {
		select {
		case <-sb.Done():
			t.Errorf("%s was reaped but its owner lives", sb.Spec.Server)
		default:
		}
	}
	list, _ := reaper.List(ctx)
	if len(list) != 1 || list[0].ID != kept.ID {
		t.Errorf("after reaping: %+v", list)
	}
	// A process that died before launching anything leaves only its lock.
	idle, _ := newInstance(home)
	idle.file.Close()
	reaper.Reap(ctx)
	if _, err := os.Stat(instanceLockPath(home, idle.id)); !os.IsNotExist(err) {
		t.Errorf("a dead instance's lock file survived the sweep: %v", err)
	}
	if !ownerAlive(home, live.instance.id) {
		t.Error("the sweep took a live instance's lock")
	}
}

func TestStopServerStopsWhateverStartedIt(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "wellbehaved")
	a := launchEntry(t, e, "a", img, "")
	b := launchEntry(t, e, "b", img, "")
	n, err := e.StopServer(context.Background(), "a")
	if err != nil || n != 1 {
		t.Fatalf("stopped %d, %v", n, err)
	}
	select {
	case <-a.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("a still running")
	}
	if a.Err() == nil {
		t.Error("the owner of a stopped server should hear why it ended")
	}
	select {
	case <-b.Done():
		t.Error("b was stopped too")
	default:
	}
}

func onlyNone[V any](networks map[string]V) bool {
	for name := range networks {
		if name != "none" {
			return false
		}
	}
	return true
}

func TestPullFromARegistryShowsProgressAndRecordsTheDigest(t *testing.T) {
	e := testEngine(t)
	reg := testenv.NewRegistry(t)
	ctx := context.Background()
	ref, digest := reg.Push(t, "bulkhead-test/pulled", "v1", "wellbehaved")
	t.Cleanup(func() { e.Client().ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true}) })

	var progress strings.Builder
	img, err := e.ResolveImage(ctx, ref, PullMissing, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if img.RepoDigest != reg.Host()+"/bulkhead-test/pulled@"+digest {
		t.Errorf("repo digest = %q, want the manifest digest %s", img.RepoDigest, digest)
	}
	if !strings.Contains(progress.String(), "pulling "+ref) || !strings.Contains(progress.String(), "Pulling from bulkhead-test/pulled") ||
		!strings.Contains(progress.String(), "Downloaded newer image") {
		t.Errorf("no pull progress shown:\n%s", progress.String())
	}

	// The tag moves in the registry: without a pull nothing changes; a pull
	// sees the new image.
	reg.Push(t, "bulkhead-test/pulled", "v1", "hostile")
	same, _ := e.ResolveImage(ctx, ref, PullMissing, io.Discard)
	moved, err := e.ResolveImage(ctx, ref, PullAlways, io.Discard)
	if err != nil || same.ID != img.ID || moved.ID == img.ID || moved.RepoDigest == img.RepoDigest {
		t.Errorf("before pull %+v, after %+v (%v); first %+v", same, moved, err, img)
	}

	// A digest reference still names the first image.
	byDigest := reg.Host() + "/bulkhead-test/pulled@" + digest
	pinned, err := e.ResolveImage(ctx, byDigest, PullMissing, io.Discard)
	if err != nil || pinned.ID != img.ID {
		t.Errorf("digest reference resolved to %+v, %v; want %s", pinned, err, img.ID)
	}
}
