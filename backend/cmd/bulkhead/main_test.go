package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// bin is the bulkhead binary under test, built once, static, as shipped.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulkhead-cli-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "bulkhead")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build bulkhead: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one Bulkhead home with its own user catalog and fake user home.
type env struct {
	t       *testing.T
	home    string
	catalog string
	userDir string
	extra   []string // extra environment, e.g. DOCKER_HOST
}

func newEnv(t *testing.T, catalogYAML string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, home: filepath.Join(dir, "home"), catalog: filepath.Join(dir, "catalog.yaml"), userDir: filepath.Join(dir, "user")}
	os.MkdirAll(e.userDir, 0o700)
	if err := os.WriteFile(e.catalog, []byte(catalogYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) command(args ...string) *exec.Cmd {
	cmd := exec.Command(bin, append([]string{"--home", e.home, "--catalog", e.catalog}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+e.userDir)
	cmd.Env = append(cmd.Env, e.extra...)
	endsWithTests(cmd)
	return cmd
}

// run runs bulkhead to completion with no input.
func (e *env) run(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	cmd := e.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		e.t.Fatalf("bulkhead %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// connect starts `bulkhead run NAME [flags]` as a stdio MCP server for the
// SDK client.
func (e *env) connect(name string, flags ...string) (*mcp.ClientSession, *exec.Cmd, *bytes.Buffer) {
	e.t.Helper()
	cmd := e.command(append([]string{"run", name}, flags...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	c := mcp.NewClient(&mcp.Implementation{Name: "bulkhead-cli-test", Version: "0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 20 * time.Second}, nil)
	if err != nil {
		e.t.Fatalf("connect to bulkhead run %s: %v; stderr: %s", name, err, stderr.String())
	}
	return cs, cmd, &stderr
}

// containers lists the engine's containers of this home.
func (e *env) containers(cli *client.Client) []string {
	e.t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: client.Filters{}.Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home)),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, c := range res.Items {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names
}

// networks lists the names of this home's networks.
func (e *env) networks(cli *client.Client) []string {
	e.t.Helper()
	res, err := cli.NetworkList(context.Background(), client.NetworkListOptions{Filters: client.Filters{}.Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home))})
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, n := range res.Items {
		names = append(names, n.Name)
	}
	return names
}

func (e *env) requireNoContainers(cli *client.Client) {
	e.t.Helper()
	if left := e.containers(cli); len(left) > 0 {
		e.t.Errorf("containers left behind: %v", left)
	}
}

func entryYAML(name, image, extra string) string {
	return "version: 1\nservers:\n  - name: " + name + "\n    image: " + image + "\n" + extra
}

// oneLineError checks a failed run ended with one error line naming want.
// Lines before it may only be progress: Bulkhead's own, or a pull's.
func oneLineError(t *testing.T, stderr string, code int, want string) {
	t.Helper()
	if code == 0 {
		t.Errorf("exit code 0, want failure")
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "bulkhead: ") || !strings.Contains(last, want) {
		t.Errorf("last line of stderr %q should be the error naming %q", stderr, want)
	}
	for _, l := range lines[:len(lines)-1] {
		if strings.HasPrefix(l, "bulkhead: ") && !strings.HasPrefix(l, "bulkhead: pulling ") && !strings.HasPrefix(l, "bulkhead: removed ") {
			t.Errorf("unexpected line before the error: %q", l)
		}
	}
}
