package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// addHeld records a held call as a gateway would, waiting until deadline.
func (e *env) addHeld(owner, args string, deadline time.Time) int64 {
	e.t.Helper()
	raw := json.RawMessage(args)
	id, err := e.st.AddApproval(context.Background(), store.Approval{Owner: owner, Server: "time", Tool: "get_time", Arguments: raw,
		ArgsHash: policy.ArgsHash(raw), Client: "test-client 1.0", Session: "s1", Reason: "ask", Deadline: deadline})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// TestApprovalsShowTheBytesThatRun: the API gives a page the held call's
// arguments as the bytes that run, escaped, never decoded (which would
// round 9007199254740993, make 1e400 null and drop a duplicate key), with
// a warning for each way a server could read them otherwise.
func TestApprovalsShowTheBytesThatRun(t *testing.T) {
	e := newEnv(t)
	e.addHeld("test", "{\"n\":9007199254740993,\"big\":1e400,\"k\":1,\"k\":2,\"t\":\"go\U000E0041\u00ad\"}", time.Now().Add(time.Hour))
	var pending []Approval
	decode(t, e.req("GET", "/api/approvals", nil), http.StatusOK, &pending)
	if len(pending) != 1 {
		t.Fatalf("pending %+v", pending)
	}
	a := pending[0]
	want := "{\n  \"n\": 9007199254740993,\n  \"big\": 1e400,\n  \"k\": 1,\n  \"k\": 2,\n  \"t\": \"go\\U000e0041\\xad\"\n}"
	if a.ArgumentsShown != want || a.State != policy.StatePending {
		t.Errorf("shown as\n%s\nwant\n%s\n(state %s)", a.ArgumentsShown, want, a.State)
	}
	if len(a.ArgumentWarnings) != 3 || !slices.ContainsFunc(a.ArgumentWarnings, func(w string) bool { return strings.HasPrefix(w, "$.n: 9007199254740993 is 9007199254740992") }) {
		t.Errorf("warnings %q", a.ArgumentWarnings)
	}
}

// TestExpiredHeldCallsAreListedExpiredAndRefused: a call held by a gateway
// that was stopped, with no gateway left to time it out, is listed as
// expired once its deadline passes, and deciding it is refused.
func TestExpiredHeldCallsAreListedExpiredAndRefused(t *testing.T) {
	e := newEnv(t)
	id := e.addHeld("a-stopped-serve", `{"tz":"UTC"}`, time.Now().Add(-time.Second))
	var pending []Approval
	decode(t, e.req("GET", "/api/approvals", nil), http.StatusOK, &pending)
	if len(pending) != 1 || pending[0].ID != id || pending[0].State != policy.StateExpired {
		t.Fatalf("pending %+v", pending)
	}
	resp := e.req("POST", fmt.Sprintf("/api/approvals/%d/decision", id), map[string]string{"decision": store.AllowOnce})
	var body struct{ Error Error }
	decode(t, resp, http.StatusConflict, &body)
	if body.Error.Code != CodeConflict || !strings.Contains(body.Error.Message, fmt.Sprintf("held call %d expired at", id)) {
		t.Errorf("deciding an expired call: %+v", body.Error)
	}
	if a, _ := e.st.GetApproval(context.Background(), id); a.Decision != "" {
		t.Errorf("an expired call was decided: %+v", a)
	}
}
