package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// openHomeStore opens the state database of e's home, as the CLI does, for
// records a gateway would have written.
func (e *env) openHomeStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(e.home, "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestTablesEscapeEveryCell: a client whose name carries a tab, a newline
// and a terminal escape, and a tool and decider with tabs, cannot shift the
// columns of `bulkhead audit` or add a line: every cell is escaped.
func TestTablesEscapeEveryCell(t *testing.T) {
	e := newEnv(t, "")
	st := e.openHomeStore(t)
	ctx := context.Background()
	if err := st.AddAudit(ctx, store.AuditEntry{Client: "evil\tclient\nforged row\x1b[2J 1", Server: "wb", Tool: "echo\tdeny",
		ArgsDigest: strings.Repeat("ab", 32), Decision: store.AllowOnce, DecidedBy: "a person, in evil\tclient", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := e.run("audit")
	if code != 0 {
		t.Fatalf("audit: %s", errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row, got %d lines:\n%s", len(lines), out)
	}
	header, row := lines[0], lines[1]
	for _, want := range []string{`evil\x09client\x0aforged row\x1b[2J 1`, `echo\x09deny`, `a person, in evil\x09client`} {
		if !strings.Contains(row, want) {
			t.Errorf("the row does not show %s:\n%s", want, out)
		}
	}
	if strings.ContainsAny(row, "\t\x1b") {
		t.Errorf("a raw tab or escape reached the terminal: %q", row)
	}
	// Each column starts where its heading does, and there are as many.
	columns := strings.Fields(header)
	if len(columns) != 9 {
		t.Fatalf("header %q", header)
	}
	for _, name := range columns {
		at := strings.Index(header, name)
		if at >= len(row) || row[at] == ' ' || (at > 0 && row[at-1] != ' ') {
			t.Errorf("column %s (at %d) does not start there in the row:\n%s\n%s", name, at, header, row)
		}
	}
	if cells := strings.Split(row, "  "); len(nonEmpty(cells)) != 9 {
		t.Errorf("the row has %d cells, want 9: %q", len(nonEmpty(cells)), nonEmpty(cells))
	}
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestExpiredHeldCallsAreListedExpired: a call held by a gateway that was
// stopped, with no gateway left to time it out, is listed as expired once
// its deadline passes and cannot be approved; its arguments are shown as
// the bytes that would have run, with warnings, as the web UI shows them.
func TestExpiredHeldCallsAreListedExpired(t *testing.T) {
	e := newEnv(t, "")
	st := e.openHomeStore(t)
	ctx := context.Background()
	raw := json.RawMessage("{\"n\":9007199254740993,\"big\":1e400,\"k\":1,\"k\":2,\"t\":\"go\U000E0041\"}")
	held := store.Approval{Owner: "a-stopped-serve", Server: "wb", Tool: "echo", Arguments: raw, ArgsHash: policy.ArgsHash(raw),
		Client: "gateway-test 0", Session: "s", Reason: "ask", Deadline: time.Now().Add(-time.Minute)}
	id, err := st.AddApproval(ctx, held)
	if err != nil {
		t.Fatal(err)
	}
	inTime := held
	inTime.Deadline = time.Now().Add(time.Hour)
	inTimeID, _ := st.AddApproval(ctx, inTime)

	out, _, _ := e.run("approvals") // newest first
	waiting, expired, _ := strings.Cut(out, "held call "+strconv.FormatInt(id, 10)+" ")
	if !strings.HasPrefix(expired, " expired at ") || !strings.Contains(expired, "without a decision: nothing can allow it now") ||
		strings.Contains(expired, "decide: bulkhead approve") {
		t.Errorf("the call past its deadline is not listed as expired:\n%s", out)
	}
	if !strings.Contains(waiting, "held call "+strconv.FormatInt(inTimeID, 10)+"  waiting, denied at") || !strings.Contains(waiting, "decide: bulkhead approve") {
		t.Errorf("the call in time is not listed as waiting:\n%s", out)
	}
	for _, want := range []string{
		"    {\n      \"n\": 9007199254740993,\n      \"big\": 1e400,\n      \"k\": 1,\n      \"k\": 2,\n      \"t\": \"go\\U000e0041\"\n    }\n",
		"  WARNING $.n: 9007199254740993 is 9007199254740992 in a float64",
		"  WARNING $.big: 1e400 is beyond what a float64 holds",
		`  WARNING $: the key "k" is given more than once`,
	} {
		if !strings.Contains(expired, want) {
			t.Errorf("approvals does not show %q:\n%s", want, expired)
		}
	}
	if _, errOut, code := e.run("approve", strconv.FormatInt(id, 10)); code == 0 || !strings.Contains(errOut, "held call "+strconv.FormatInt(id, 10)+" expired at") {
		t.Errorf("approving an expired call: %d %s", code, errOut)
	}
	if a, _ := st.GetApproval(ctx, id); a.Decision != "" {
		t.Errorf("an expired call was decided: %+v", a)
	}
}
