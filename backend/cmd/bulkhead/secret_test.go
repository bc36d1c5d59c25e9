package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// TestSecretReachesOnlyItsServer: a server declaring a secret does not
// start until it is set; once set from stdin, its value is in the
// server's environment and nowhere else Bulkhead writes: not the
// container's command or labels, not the server log, not Bulkhead's
// output, not a file of the home. Through the gateway, a result carrying
// it is redacted.
func TestSecretReachesOnlyItsServer(t *testing.T) {
	cli := testenv.RequireEngine(t)
	img := testenv.ServerImage(t, cli, "hostile")
	e := newEnv(t, entryYAML("sec", img, "    secrets: [API_TOKEN]\n"))
	const value = "tok-5f1d9c0e7b2a4d38a6"

	_, stderr, code := e.run("run", "sec")
	oneLineError(t, stderr, code, "server \"sec\" needs the secret API_TOKEN, which is not set; set it with `bulkhead secret set sec API_TOKEN`")
	e.requireNoContainers(cli)

	set := func(name, input string) (string, int) {
		cmd := e.command("secret", "set", "sec", name)
		cmd.Stdin = strings.NewReader(input)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	if out, code := set("OTHER", value); code == 0 || !strings.Contains(out, `server "sec" declares no secret OTHER`) {
		t.Errorf("an undeclared name was stored: %d %s", code, out)
	}
	if out, code := set("API_TOKEN", ""); code == 0 || !strings.Contains(out, "the value of API_TOKEN is empty") {
		t.Errorf("an empty value was stored: %d %s", code, out)
	}
	if out, code := set("API_TOKEN", value+"\n"); code != 0 {
		t.Fatalf("secret set: %s", out)
	}
	if out, _, _ := e.run("secret", "ls"); !strings.Contains(out, "sec     API_TOKEN") || strings.Contains(out, value) {
		t.Errorf("secret ls:\n%s", out)
	}

	cs, cmd, runErr := e.connect("sec")
	environ := readFileAs(t, cs, "escape", "/proc/self/environ")
	if !strings.Contains(environ, "API_TOKEN="+value+"\x00") {
		t.Errorf("the server's environment lacks the secret (a trailing newline must be trimmed): %q", environ)
	}
	checkContainers(t, cli, e, value)
	cs.Close()
	cmd.Wait()

	e.allow("sec")
	gw, _, gwErr := e.connectGateway(testenv.NewObserverClient(), "sec")
	if got := readFileAs(t, gw, "sec__escape", "/proc/self/environ"); strings.Contains(got, value) ||
		!strings.Contains(got, "API_TOKEN=[removed by Bulkhead: the value of a secret configured in Bulkhead]") {
		t.Errorf("the gateway did not redact the secret in a result: %q", got)
	}
	gw.Close()

	logs, _, _ := e.run("logs", "sec")
	for where, text := range map[string]string{"run's stderr": runErr.String(), "gateway's stderr": gwErr.String(), "server log": logs} {
		if strings.Contains(text, value) {
			t.Errorf("the %s holds the secret:\n%s", where, text)
		}
	}
	filepath.WalkDir(e.home, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), value) {
				t.Errorf("%s holds the secret in clear", path)
			}
		}
		return nil
	})

	if out, _, code := e.run("secret", "rm", "sec", "API_TOKEN"); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("secret rm: %d %s", code, out)
	}
	if _, stderr, code := e.run("run", "sec"); code == 0 || !strings.Contains(stderr, "needs the secret API_TOKEN") {
		t.Errorf("a removed secret still reaches the server: %d %s", code, stderr)
	}
	e.requireNoContainers(cli)
}

// checkContainers inspects the home's running containers: value is in the
// server's environment only, never its command or labels.
func checkContainers(t *testing.T, cli *client.Client, e *env, value string) {
	t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{
		Filters: client.Filters{}.Add("label", sandbox.LabelHome+"="+sandbox.HomeID(e.home)),
	})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("containers: %d %v", len(res.Items), err)
	}
	info, err := cli.ContainerInspect(context.Background(), res.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := info.Container
	exposed, _ := json.Marshal([]any{c.Path, c.Args, c.Config.Cmd, c.Config.Entrypoint, c.Config.Labels})
	if strings.Contains(string(exposed), value) {
		t.Errorf("the secret is in the container's command or labels: %s", exposed)
	}
	if !strings.Contains(strings.Join(c.Config.Env, "\n"), "API_TOKEN="+value) {
		t.Errorf("the secret is not in the container's environment: %v", c.Config.Env)
	}
}

// readFileAs has the hostile server read path with tool; it returns what
// the client got: the file's text, or the whole result if it was not read.
func readFileAs(t *testing.T, cs *mcp.ClientSession, tool, path string) string {
	t.Helper()
	res := testenv.Call(t, cs, tool, map[string]any{"target": "", "name": "", "hogMiB": 0, "forkMax": 0, "read": []string{path}})
	raw, _ := json.Marshal(res)
	var rep struct {
		Attempts map[string]struct{ Detail string }
	}
	json.Unmarshal([]byte(testenv.Text(res)), &rep)
	if a, ok := rep.Attempts["read "+path]; ok {
		return a.Detail + "\n" + string(raw)
	}
	return string(raw)
}
