//lint:file-ignore SA1019 a client of 2025-11-25 sets its log level as that revision does; logging is deprecated only from 2026-07-28.

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// asking is a server of the stateless revision whose tool "greet" asks
// the user's name in its result, with a state of its own, and greets them
// when called again with the answer and that state.
var asking = memBackend{name: "srv", stateless: true, add: func(s *mcp.Server) {
	s.AddTool(&mcp.Tool{Name: "greet", Description: "Greets the user by name.", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			answer, ok := req.Params.InputResponses["name"].(*mcp.ElicitResult)
			if !ok {
				return &mcp.CallToolResult{RequestState: "asked for the name", InputRequests: mcp.InputRequestMap{"name": &mcp.ElicitParams{
					Message: "What is your name?", RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}}}}, nil
			}
			if req.Params.RequestState != "asked for the name" {
				return nil, errors.New("the server's own state did not come back: " + req.Params.RequestState)
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "hello " + answer.Content["name"].(string)}}}, nil
		})
}}

// answering is a client that answers every question with the name Ada,
// and records the questions.
func answering() (*mcp.Client, func() []string) {
	var mu sync.Mutex
	var asked []string
	c := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			mu.Lock()
			asked = append(asked, req.Params.Message)
			mu.Unlock()
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		},
	})
	return c, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), asked...) }
}

// A server that asks in its result is answered by a client of either era:
// one of the stateless revision gets the question as a result and sends
// the call again; for one of an earlier revision the gateway asks it in
// the middle of the call and sends the call again itself. Each round is
// audited.
func TestAServersQuestionInItsResultIsAnsweredByEitherKindOfClient(t *testing.T) {
	for _, version := range []string{statelessVersion, sessionVersion} {
		t.Run(version, func(t *testing.T) {
			client, asked := answering()
			g, cs := memGatewayAt(t, version, client, nil, asking)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "srv__greet", Arguments: map[string]any{}})
			if err != nil || res.IsError || len(res.Content) != 1 {
				t.Fatalf("greet: %+v, %v", res, err)
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != "hello Ada" {
				t.Errorf("greet = %q, want hello Ada", got)
			}
			if q := asked(); len(q) != 1 || q[0] != "What is your name?" {
				t.Errorf("the client was asked %q", q)
			}
			rows, _ := g.opts.Store.Audit(context.Background(), store.AuditFilter{Server: "srv"})
			var statuses []string
			for _, r := range rows {
				statuses = append(statuses, r.Status)
			}
			want := "ok"
			if version == statelessVersion {
				want = "input required,ok" // two requests
			}
			slices.Sort(statuses)
			if strings.Join(statuses, ",") != want {
				t.Errorf("audited %v, want %s", statuses, want)
			}
		})
	}
}

// The state a client gets with a question continues that one request: a
// changed state, the same state for other arguments, answers without it,
// or the state once used, are refused with the spec's code; the server's
// own state never leaves the gateway as it came.
func TestARoundsStateContinuesOnlyItsRequest(t *testing.T) {
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{
		MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true},
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return nil, errors.New("never asked mid-call")
		},
	})
	_, cs := memGatewayAt(t, statelessVersion, client, nil, asking)
	ctx := context.Background()
	call := func(args map[string]any, answers mcp.InputResponseMap, state string) (*mcp.CallToolResult, error) {
		return cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__greet", Arguments: args, InputResponses: answers, RequestState: state})
	}
	first, err := call(map[string]any{}, nil, "")
	if err != nil || !first.NeedsInput() || first.InputRequests["name"] == nil {
		t.Fatalf("first round: %+v, %v; want the question", first, err)
	}
	state := first.RequestState
	if state == "" || strings.Contains(state, "asked for the name") {
		t.Errorf("the client got the state %q: the server's own, or none", state)
	}
	ada := mcp.InputResponseMap{"name": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}}
	tampered := state[:len(state)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(state, "AA")]
	for what, try := range map[string]func() (*mcp.CallToolResult, error){
		"a changed state":         func() (*mcp.CallToolResult, error) { return call(map[string]any{}, ada, tampered) },
		"the state, other args":   func() (*mcp.CallToolResult, error) { return call(map[string]any{"as": "admin"}, ada, state) },
		"answers without a state": func() (*mcp.CallToolResult, error) { return call(map[string]any{}, ada, "") },
		"a state of no request":   func() (*mcp.CallToolResult, error) { return call(map[string]any{}, ada, "e30.AAAA") },
	} {
		res, err := try()
		var wire *jsonrpc.Error
		if !errors.As(err, &wire) || wire.Code != CodeInvalidParams {
			t.Errorf("%s: %+v, %v; want refused with %d", what, res, err, CodeInvalidParams)
		}
	}
	res, err := call(map[string]any{}, ada, state)
	if err != nil || res.NeedsInput() || len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "hello Ada" {
		t.Fatalf("the answered round: %+v, %v", res, err)
	}
	if res, err := call(map[string]any{}, ada, state); err == nil {
		t.Errorf("the state was used twice: %+v", res)
	}
}

// A call a person approved is not held again when the client sends it
// again with the answer to the server's question: the decision travels
// in the round's state, and both rounds are audited with it.
func TestAnApprovedCallIsNotHeldAgainForItsAnswer(t *testing.T) {
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}})
	g, cs := memGatewayAt(t, statelessVersion, client, gated, asking)
	st := g.opts.Store
	ctx := context.Background()
	first := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__greet", Arguments: map[string]any{}})
		if err != nil {
			t.Error(err)
		}
		first <- res
	}()
	var held store.Approval
	testenv.WaitFor(t, "the call to be held", func() bool {
		pending, _ := st.Approvals(ctx, true, 0)
		if len(pending) == 1 {
			held = pending[0]
		}
		return len(pending) == 1
	})
	if _, err := g.opts.Gate.Queue.Decide(ctx, held.ID, store.AllowOnce, "user ada"); err != nil {
		t.Fatal(err)
	}
	res := <-first
	if res == nil || !res.NeedsInput() {
		t.Fatalf("first round: %+v", res)
	}
	second := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__greet", Arguments: map[string]any{}, RequestState: res.RequestState,
			InputResponses: mcp.InputResponseMap{"name": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}}})
		if err != nil {
			t.Error(err)
		}
		second <- res
	}()
	var again *mcp.CallToolResult
	testenv.WaitFor(t, "the second round's answer, or its call held", func() bool {
		select {
		case again = <-second:
			return true
		default:
		}
		all, _ := st.Approvals(ctx, false, 0)
		return len(all) > 1
	})
	if again == nil {
		pending, _ := st.Approvals(ctx, true, 0)
		for _, p := range pending { // let it end
			g.opts.Gate.Queue.Decide(ctx, p.ID, store.Deny, "test")
		}
		<-second
		t.Fatal("the second round was held again")
	}
	if len(again.Content) != 1 || again.Content[0].(*mcp.TextContent).Text != "hello Ada" {
		t.Fatalf("second round: %+v", again)
	}
	rows, _ := st.Audit(ctx, store.AuditFilter{Server: "srv"})
	if len(rows) != 2 {
		t.Fatalf("audit: %+v", rows)
	}
	slices.SortFunc(rows, func(a, b store.AuditEntry) int { return a.At.Compare(b.At) })
	for i, by := range []string{"user ada", "bulkhead: round 2 of a call decided by user ada"} {
		if r := rows[i]; r.ApprovalID == nil || *r.ApprovalID != held.ID || r.DecidedBy != by {
			t.Errorf("round %d audited %+v, want decided by %q, held call %d", i+1, r, by, held.ID)
		}
	}
}

// A server of the stateless revision learns the calling client's log
// level and capabilities from each request, not from a session: a client
// of 2025-11-25 that asked for debug logs gets the server's debug log of
// its call, and the server is told that client can elicit but not sample
// (the gateway itself could do both).
func TestAStatelessServerIsToldTheCallersLevelAndCapabilities(t *testing.T) {
	srv := memBackend{name: "srv", stateless: true, add: func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "chatty", InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "debug", Logger: "srv", Data: "a detail"})
				caps := req.ClientCapabilities()
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{
					Text: fmt.Sprintf("sampling=%v elicitation=%v", caps != nil && caps.Sampling != nil, caps != nil && caps.Elicitation != nil)}}}, nil
			})
	}}
	logs := make(chan string, 10)
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) { logs <- fmt.Sprint(req.Params.Data) },
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
	})
	_, cs := memGatewayWith(t, client, nil, srv)
	ctx := context.Background()
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__chatty", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; got != "sampling=false elicitation=true" {
		t.Errorf("the server was told %q, want the client's own capabilities", got)
	}
	select {
	case got := <-logs:
		if got != "a detail" {
			t.Errorf("log %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server's debug log never reached the client that asked for debug")
	}
}

// The questions a server asks in its results are screened as those it
// asks mid-call are, each whole: text aimed at the model and a secret in a
// question for the user, its URL, a request for the model and the tools
// offered to it reach the client redacted, whether or not the server
// marked its result as asking (the SDK reads input requests as asking
// either way), and the server's own state never reaches the client.
func TestAServersQuestionsInItsResultAreScreened(t *testing.T) {
	for _, marked := range []bool{true, false} {
		t.Run(fmt.Sprintf("marked %v", marked), func(t *testing.T) {
			srv := memBackend{name: "srv", stateless: true, add: func(s *mcp.Server) {
				s.AddTool(&mcp.Tool{Name: "ask", InputSchema: map[string]any{"type": "object"}},
					func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
						return &mcp.CallToolResult{RequestState: "the server's own", InputRequests: mcp.InputRequestMap{
							"user": &mcp.ElicitParams{Message: tainted, RequestedSchema: map[string]any{"type": "object"}},
							"page": &mcp.ElicitParams{Message: "Sign in", URL: "https://sign.example/?k=" + leakedKey, ElicitationID: "e1"},
							"model": &mcp.CreateMessageWithToolsParams{MaxTokens: 10,
								Messages: []*mcp.SamplingMessageV2{{Role: "user", Content: []mcp.Content{&mcp.TextContent{Text: tainted}}}},
								Tools: []*mcp.Tool{{Name: "lookup", Description: "Looks up.", InputSchema: map[string]any{"type": "object",
									"properties": map[string]any{"q": map[string]any{"type": "string", "description": tainted}}}}}},
						}}, nil
					})
				if !marked {
					s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
						return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
							res, err := next(ctx, method, req)
							if r, ok := res.(*mcp.CallToolResult); ok && r.InputRequests != nil {
								return &mcp.CallToolResult{InputRequests: r.InputRequests, RequestState: r.RequestState}, err // no resultType
							}
							return res, err
						}
					})
				}
			}}
			client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}})
			_, cs := memGatewayAt(t, statelessVersion, client, nil, srv)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "srv__ask", Arguments: map[string]any{}})
			if err != nil || !res.NeedsInput() {
				t.Fatalf("%+v, %v", res, err)
			}
			if strings.Contains(res.RequestState, "server's own") || strings.Contains(res.RequestState, "c2VydmVyJ3Mgb3du") {
				t.Errorf("the server's own state reached the client as it was: %q", res.RequestState)
			}
			user, _ := res.InputRequests["user"].(*mcp.ElicitParams)
			if user == nil || !clean(user.Message) {
				t.Errorf("question for the user: %+v", user)
			}
			if page, _ := res.InputRequests["page"].(*mcp.ElicitParams); page == nil || strings.Contains(page.URL, leakedKey) {
				t.Errorf("the page the user is sent to: %+v", page)
			}
			model, _ := res.InputRequests["model"].(*mcp.CreateMessageWithToolsParams)
			if model == nil || len(model.Messages) != 1 || !clean(model.Messages[0].Content[0].(*mcp.TextContent).Text) {
				t.Fatalf("request for the model: %+v", model)
			}
			schema, _ := json.Marshal(model.Tools[0].InputSchema)
			if strings.Contains(string(schema), "previous instructions") || strings.Contains(string(schema), leakedKey) {
				t.Errorf("a tool offered to the model: %s", schema)
			}
		})
	}
}

// A later round is audited as the continuation it is, and a rule made
// since the first that denies the call ends it; nor may a request go on
// for ever: at ten rounds the gateway stops it.
func TestARoundIsDecidedByTheRulesOfNow(t *testing.T) {
	endless := memBackend{name: "srv", stateless: true, add: func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "ask", InputSchema: map[string]any{"type": "object"}},
			func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"more": &mcp.ElicitParams{Message: "And?", RequestedSchema: map[string]any{"type": "object"}}}}, nil
			})
	}}
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, &mcp.ClientOptions{MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}})
	g, cs := memGatewayAt(t, statelessVersion, client, gated, endless)
	ctx := context.Background()
	st := g.opts.Store
	if err := policy.SetRule(ctx, st, "srv", "ask", policy.Allow, "user ada"); err != nil {
		t.Fatal(err)
	}
	answer := mcp.InputResponseMap{"more": &mcp.ElicitResult{Action: "accept", Content: map[string]any{}}}
	round := func(state string) (*mcp.CallToolResult, error) {
		var answers mcp.InputResponseMap
		if state != "" {
			answers = answer
		}
		return cs.CallTool(ctx, &mcp.CallToolParams{Name: "srv__ask", Arguments: map[string]any{}, InputResponses: answers, RequestState: state})
	}
	res, err := round("")
	for n := 2; err == nil && n <= maxRounds+1; n++ {
		res, err = round(res.RequestState)
	}
	if err == nil || !strings.Contains(err.Error(), "asked for input 10 times") {
		t.Errorf("after %d rounds: %+v, %v; want the request stopped", maxRounds+1, res, err)
	}
	rows, _ := st.Audit(ctx, store.AuditFilter{Server: "srv", Status: "input required"})
	continued := 0
	for _, r := range rows {
		if strings.HasPrefix(r.DecidedBy, "bulkhead: round ") && strings.HasSuffix(r.DecidedBy, " of a call decided by policy: user ada's rule for tool ask: allow") {
			continued++
		}
	}
	if len(rows) != maxRounds || continued != maxRounds-1 {
		t.Errorf("audited %d rounds, %d as continued, want %d and %d: %+v", len(rows), continued, maxRounds, maxRounds-1, rows)
	}

	res, err = round("")
	if err != nil {
		t.Fatal(err)
	}
	if err := policy.SetRule(ctx, st, "srv", "ask", policy.Deny, "user ada"); err != nil {
		t.Fatal(err)
	}
	var wire *jsonrpc.Error
	if _, err := round(res.RequestState); !errors.As(err, &wire) || wire.Code != CodeDeclined {
		t.Errorf("a round after a rule came to deny the call: %v, want declined", err)
	}
}

// Two clients waiting on the same server at once each get the question of
// their own call: a server of the stateless revision asks in the result
// of the request the question belongs to, so nothing is ambiguous (a
// server that asks mid-call is refused then, see route).
func TestTwoClientsWaitingOnAServerEachGetTheirOwnQuestion(t *testing.T) {
	var mu sync.Mutex
	arrivals, both := 0, make(chan struct{})
	srv := memBackend{name: "srv", stateless: true, add: func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "greet", InputSchema: map[string]any{"type": "object"}},
			func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				if answer, ok := req.Params.InputResponses["name"].(*mcp.ElicitResult); ok {
					return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "hello " + answer.Content["name"].(string)}}}, nil
				}
				mu.Lock()
				if arrivals++; arrivals == 2 {
					close(both)
				}
				mu.Unlock()
				select { // both first rounds in flight together
				case <-both:
				case <-time.After(30 * time.Second):
					return nil, errors.New("the other client's call never came while this one waited")
				}
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"name": &mcp.ElicitParams{Message: "Name?", RequestedSchema: map[string]any{"type": "object"}}}}, nil
			})
	}}
	named := func(name string) *mcp.Client {
		return mcp.NewClient(&mcp.Implementation{Name: "client-" + name, Version: "1"}, &mcp.ClientOptions{
			ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": name}}, nil
			}})
	}
	g, ada := memGatewayWith(t, named("Ada"), nil, srv)
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(context.Background(), serverEnd, nil); err != nil {
		t.Fatal(err)
	}
	bob, err := named("Bob").Connect(context.Background(), clientEnd, &mcp.ClientSessionOptions{ProtocolVersion: sessionVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	var wg sync.WaitGroup
	got := map[string]string{}
	for name, cs := range map[string]*mcp.ClientSession{"Ada": ada, "Bob": bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "srv__greet", Arguments: map[string]any{}})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				got[name] = err.Error()
				return
			}
			got[name] = res.Content[0].(*mcp.TextContent).Text
		}()
	}
	wg.Wait()
	if got["Ada"] != "hello Ada" || got["Bob"] != "hello Bob" {
		t.Errorf("answers %v, want each client greeted by its own name", got)
	}
}
