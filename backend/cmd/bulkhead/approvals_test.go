package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

type answer struct {
	text string
	err  error
}

// callAsync calls wb__echo with text and delivers what the client got.
func callAsync(cs *mcp.ClientSession, text string) <-chan answer {
	done := make(chan answer, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wb__echo", Arguments: map[string]any{"text": text}})
		if err != nil {
			done <- answer{err: err}
			return
		}
		done <- answer{text: testenv.Text(res)}
	}()
	return done
}

// waitHeld waits for a pending held call with these arguments and returns it.
func (e *env) waitHeld(t *testing.T, text string) store.Approval {
	t.Helper()
	var found store.Approval
	testenv.WaitFor(t, "a call with "+text+" to be held", func() bool {
		out, _, _ := e.run("approvals", "--json")
		var held []store.Approval
		json.Unmarshal([]byte(out), &held)
		for _, h := range held {
			var args struct{ Text string }
			json.Unmarshal(h.Arguments, &args)
			if args.Text == text {
				found = h
				return true
			}
		}
		return false
	})
	return found
}

func (e *env) decide(t *testing.T, args ...string) {
	t.Helper()
	if out, errOut, code := e.run(args...); code != 0 {
		t.Fatalf("%v: %s%s", args, out, errOut)
	}
}

func notYet(t *testing.T, done <-chan answer) {
	t.Helper()
	select {
	case a := <-done:
		t.Fatalf("a held call answered before any decision: %+v", a)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestHeldCallsWaitForAPerson drives the gateway binary with a real client
// and server: a call to a new server is held until a person approves it
// with the CLI, and runs with the arguments the person saw; another call
// with other arguments is held again and a denial reaches the client as
// a person's; "for this session" lets later calls through; an undecided
// call times out denied. The audit log has each, with digests, not values.
func TestHeldCallsWaitForAPerson(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	cs, _, stderr := e.connectGateway(testenv.NewObserverClient(), "wb")
	defer func() {
		if t.Failed() {
			t.Logf("gateway stderr:\n%s", stderr)
		}
	}()

	first := callAsync(cs, "first \x1b[31mred")
	h := e.waitHeld(t, "first \x1b[31mred")
	if h.Server != "wb" || h.Tool != "echo" || h.Reason == "" || h.Client != "gateway-test 0" || h.Findings != "[]" {
		t.Errorf("held call: %+v", h)
	}
	if out, _, _ := e.run("approvals"); strings.Contains(out, "\x1b") || !strings.Contains(out, `"text": "first \u001b[31mred"`) {
		t.Errorf("approvals should show the arguments escaped:\n%s", out)
	}
	notYet(t, first)
	e.decide(t, "approve", strconv.FormatInt(h.ID, 10))
	// The result's escape is redacted by the output scanner, as any is.
	if a := <-first; a.err != nil || !strings.HasPrefix(a.text, "echo: first ") || !strings.HasSuffix(a.text, "[31mred") {
		t.Errorf("approved call: %+v", a)
	}
	if _, errOut, code := e.run("deny", strconv.FormatInt(h.ID, 10)); code == 0 || !strings.Contains(errOut, "was decided already (allow_once") {
		t.Errorf("a second decision on one call: %d %s", code, errOut)
	}

	second := callAsync(cs, "second")
	h2 := e.waitHeld(t, "second")
	notYet(t, second)
	e.decide(t, "deny", strconv.FormatInt(h2.ID, 10))
	if a := <-second; a.err == nil || !strings.Contains(a.err.Error(), `a person declined this call to tool "echo" of server "wb"`) {
		t.Errorf("denied call: %+v", a)
	}

	third := callAsync(cs, "third")
	e.decide(t, "approve", "--session", strconv.FormatInt(e.waitHeld(t, "third").ID, 10))
	if a := <-third; a.err != nil || a.text != "echo: third" {
		t.Errorf("call approved for the session: %+v", a)
	}
	if a := <-callAsync(cs, "fourth"); a.err != nil || a.text != "echo: fourth" {
		t.Errorf("a later call in the same session was not let through: %+v", a)
	}
	cs.Close()

	e.decide(t, "settings", "approval-timeout", "1s")
	cs, _, _ = e.connectGateway(testenv.NewObserverClient(), "wb")
	if a := <-callAsync(cs, "fifth"); a.err == nil || !strings.Contains(a.err.Error(), "nobody decided within 1s") {
		t.Errorf("a new session kept the grant, or the timeout did not deny: %+v", a)
	}
	cs.Close()

	out, _, _ := e.run("audit", "--format", "json", "--last", "0")
	var entries []store.AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var en store.AuditEntry
		json.Unmarshal([]byte(line), &en)
		entries = append(entries, en)
	}
	want := []struct{ decision, status string }{
		{store.AllowOnce, "ok"}, {store.Deny, "denied"}, {store.AllowSession, "ok"}, {store.AllowSession, "ok"}, {store.TimedOut, "denied"},
	}
	if len(entries) != len(want) {
		t.Fatalf("audit has %d entries, want %d:\n%s", len(entries), len(want), out)
	}
	for i, w := range want {
		en := entries[i]
		if en.Decision != w.decision || en.Status != w.status || len(en.ArgsDigest) != 64 || en.Arguments != nil || en.Server != "wb" || en.Tool != "echo" {
			t.Errorf("audit %d = %+v, want %s/%s with a digest and no values", i, en, w.decision, w.status)
		}
	}
	if strings.Contains(out, "first") || strings.Contains(out, "second") {
		t.Errorf("the audit log holds argument values it was not asked to keep:\n%s", out)
	}
}

// TestHeldCallsOfAKilledGatewayAreSettled kills a gateway while a call is
// held. The next gateway denies the call and the audit log says why; with
// pending-on-restart keep, the call stays pending for a person instead.
func TestHeldCallsOfAKilledGatewayAreSettled(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	for _, keep := range []bool{false, true} {
		if keep {
			e.decide(t, "settings", "pending-on-restart", "keep")
		}
		text := "killed " + strconv.FormatBool(keep)
		cs, cmd, _ := e.connectGateway(testenv.NewObserverClient(), "wb")
		done := callAsync(cs, text)
		h := e.waitHeld(t, text)
		cmd.Process.Kill()
		<-done
		cs.Close() // reaps the killed process

		// The new gateway settles the call before it answers initialize.
		cs, _, stderr := e.connectGateway(testenv.NewObserverClient(), "wb")
		out, _, _ := e.run("approvals", "--all", "--json")
		var all []store.Approval
		json.Unmarshal([]byte(out), &all)
		var got store.Approval
		for _, a := range all {
			if a.ID == h.ID {
				got = a
			}
		}
		audit, _, _ := e.run("audit", "--format", "json", "--server", "wb")
		switch {
		case !keep && (got.Decision != store.Abandoned || !strings.Contains(audit, `"decision":"abandoned"`) || !strings.Contains(audit, "its gateway ended while the call was held; it was denied")):
			t.Errorf("denied on restart: %+v\naudit: %s", got, audit)
		case keep && (got.Decision != "" || got.Owner != "" || !strings.Contains(audit, "it stays pending for a person")):
			t.Errorf("kept on restart: %+v\naudit: %s", got, audit)
		}
		cs.Close() // the gateway has exited: its stderr is complete
		if !strings.Contains(stderr.String(), "1 call(s) held by a gateway that ended were settled") {
			t.Errorf("keep=%v: the new gateway did not say it settled the call:\n%s", keep, stderr)
		}
	}
	e.requireNoContainers(cli)
}

// TestHeldCallsCanBeAskedInTheClient: with ask-in-client on, a client that
// takes elicitation is asked about its held call, with the arguments
// escaped, and the person's answer there decides it; with it off (the
// default) the client is never asked.
func TestHeldCallsCanBeAskedInTheClient(t *testing.T) {
	cli := testenv.RequireEngine(t)
	e := newEnv(t, entryYAML("wb", testenv.ServerImage(t, cli, "wellbehaved"), ""))
	var mu sync.Mutex
	var asked []string
	client := mcp.NewClient(&mcp.Implementation{Name: "asking-client", Version: "1"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			mu.Lock()
			asked = append(asked, req.Params.Message)
			mu.Unlock()
			if strings.Contains(req.Params.Message, "yes") {
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": store.AllowOnce}}, nil
			}
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
	})
	timesAsked := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(asked)
	}

	cs, _, _ := e.connectGateway(client, "wb")
	quiet := callAsync(cs, "yes, but the setting is off")
	h := e.waitHeld(t, "yes, but the setting is off")
	notYet(t, quiet)
	if n := timesAsked(); n != 0 {
		t.Fatalf("the client was asked %d times with ask-in-client off", n)
	}
	e.decide(t, "deny", strconv.FormatInt(h.ID, 10))
	<-quiet
	cs.Close()

	e.decide(t, "settings", "ask-in-client", "on")
	cs, _, _ = e.connectGateway(client, "wb")
	if a := <-callAsync(cs, "yes \x1b[2Jplease"); a.err != nil || !strings.HasPrefix(a.text, "echo: yes ") {
		t.Fatalf("a call the person allowed in the client: %+v", a)
	}
	if a := <-callAsync(cs, "no"); a.err == nil || !strings.Contains(a.err.Error(), "a person declined") || !strings.Contains(a.err.Error(), "asking-client 1") {
		t.Fatalf("a call the person declined in the client: %+v", a)
	}
	mu.Lock()
	first := asked[0]
	mu.Unlock()
	if timesAsked() != 2 || !strings.Contains(first, `tool "echo" of server "wb"`) || strings.Contains(first, "\x1b") || !strings.Contains(first, `\\u001b[2J`) {
		t.Errorf("questions: %q", asked)
	}
	audit, _, _ := e.run("audit", "--format", "json", "--server", "wb")
	if !strings.Contains(audit, `"decidedBy":"a person, in asking-client 1"`) {
		t.Errorf("the audit log does not say the person decided in the client:\n%s", audit)
	}
	cs.Close()
	e.requireNoContainers(cli)
}
