package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestResultsCarryingSecretsAreScreened has a real sandboxed server return
// an AWS key, once per result policy: redacted by default, refused under
// block, and under hold kept until a person releases (or refuses) it with
// `bulkhead holds`. The key reaches neither the gateway's log nor the
// state database.
func TestResultsCarryingSecretsAreScreened(t *testing.T) {
	cli := testenv.RequireEngine(t)
	feat := testenv.ServerImage(t, cli, "featureful")
	yaml := "version: 1\nservers:\n"
	for name, policy := range map[string]string{"red": "", "blk": "block", "held": "hold"} {
		yaml += "  - name: " + name + "\n    image: " + feat + "\n"
		if policy != "" {
			yaml += "    results: " + policy + "\n"
		}
	}
	e := newEnv(t, yaml)
	e.allow("red", "blk", "held")
	cs, _, stderr := e.connectGateway(testenv.NewObserverClient(), "red", "blk", "held")
	key := "AKIA" + "IOSFODNN7EXAMPLE" // AWS's documented example key
	call := func(tool string) (*mcp.CallToolResult, error) {
		return cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"text": "creds " + key}})
	}

	res, err := call("red__echo")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; strings.Contains(got, key) || !strings.Contains(got, "[removed by Bulkhead: an AWS access key ID]") {
		t.Errorf("redact: client got %q", got)
	}

	_, err = call("blk__echo")
	if err == nil || strings.Contains(err.Error(), key) ||
		!strings.Contains(err.Error(), `the result of tool "echo" of server "blk" was blocked: it held secret (an AWS access key ID)`) {
		t.Errorf("block: %v", err)
	}

	for _, decision := range []string{"release", "refuse"} {
		type answer struct {
			res *mcp.CallToolResult
			err error
		}
		done := make(chan answer, 1)
		go func() {
			res, err := call("held__echo")
			done <- answer{res, err}
		}()
		var id string
		testenv.WaitFor(t, "the result to be held", func() bool {
			out, _, _ := e.run("holds")
			m := regexp.MustCompile(`(?m)^(\d+)\s+held\s+result of tool "echo".*secret$`).FindStringSubmatch(out)
			if m != nil {
				id = m[1]
			}
			return m != nil
		})
		select {
		case a := <-done:
			t.Fatalf("held result answered before a decision: %+v %v", a.res, a.err)
		default:
		}
		if out, errOut, code := e.run("holds", decision, id); code != 0 {
			t.Fatalf("holds %s: %s%s", decision, out, errOut)
		}
		a := <-done
		if decision == "release" {
			if a.err != nil || a.res.Content[0].(*mcp.TextContent).Text != "echo: creds "+key {
				t.Errorf("released result: %+v %v", a.res, a.err)
			}
		} else if a.err == nil || !strings.Contains(a.err.Error(), "was held (hold "+id+") and refused by") {
			t.Errorf("refused result: %+v %v", a.res, a.err)
		}
		if _, errOut, code := e.run("holds", "release", id); code == 0 || !strings.Contains(errOut, "was decided already") {
			t.Errorf("a second decision was taken: %s", errOut)
		}
	}

	cs.Close() // waits for the gateway to exit, so its log is complete
	if strings.Contains(stderr.String(), key) || !strings.Contains(stderr.String(), "result redacted") {
		t.Errorf("gateway log shows the key or no redaction:\n%s", stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(e.home, "bulkhead.db*"))
	for _, f := range files {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), key) {
			t.Errorf("%s holds the key", f)
		}
	}
}
