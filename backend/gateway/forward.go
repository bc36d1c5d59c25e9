//lint:file-ignore SA1019 roots, sampling and logging are deprecated only from MCP 2026-07-28; this file forwards them for 2025-06-18 and 2025-11-25 peers.

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// rootsPlaceholder is the one root each downstream client holds. It is never
// shown to a server (roots/list is answered by the client that asked); it
// exists so the client advertises roots, and re-adding it tells servers the
// roots changed.
var rootsPlaceholder = &mcp.Root{URI: "bulkhead:roots", Name: "answered by the connected client"}

// begin marks a client request in flight to d, applies the call timeout
// and swaps the progress token for one of the gateway's. The returned meta
// goes downstream; end must be called when the request is over, and first
// waits for the progress the server sent before its answer to be passed
// on, so that none comes after the result.
func (g *Gateway) begin(ctx context.Context, d *downstream, ss *mcp.ServerSession, meta mcp.Meta) (context.Context, mcp.Meta, func()) {
	ctx, cancel := context.WithTimeout(ctx, g.opts.CallTimeout)
	g.mu.Lock()
	if g.inflight[d] == nil {
		g.inflight[d] = map[*mcp.ServerSession][]context.Context{}
	}
	g.inflight[d][ss] = append(g.inflight[d][ss], ctx)
	g.mu.Unlock()
	meta, route := g.routeProgress(ctx, ss, withoutProtocolKeys(meta))
	return ctx, meta, func() {
		if route != nil {
			g.awaitPassed(ctx, &route.tally)
		}
		g.awaitPassed(ctx, &d.logs)
		cancel()
		g.mu.Lock()
		if reqs := slices.DeleteFunc(g.inflight[d][ss], func(c context.Context) bool { return c == ctx }); len(reqs) > 0 {
			g.inflight[d][ss] = reqs
		} else {
			delete(g.inflight[d], ss)
		}
		g.mu.Unlock()
		if route != nil {
			g.forgetProgress(route)
		}
	}
}

// route finds the client session a server's own request belongs to: the one
// client with a request in flight to that server or, with none in flight,
// the only client connected. Anything else is ambiguous and refused, so one
// client's sampling or elicitation never reaches another.
//
// A client speaking a stateless revision takes no such request; it is
// refused as such.
func (g *Gateway) route(d *downstream) (*mcp.ServerSession, error) {
	ss, _, waiting := g.caller(d)
	switch all := slices.Collect(g.server.Sessions()); {
	case waiting == 1:
	case waiting == 0 && len(all) == 1:
		ss = all[0]
	default:
		return nil, fmt.Errorf("bulkhead cannot tell which client this request from server %q belongs to (%d clients are waiting on it)", d.name, waiting)
	}
	if stateless(ss) {
		return nil, fmt.Errorf("server %q asked its client a question mid-request, which the client's protocol revision (%s) does not allow; bulkhead does not yet pass such a question on as a multi-round-trip request", d.name, ss.InitializeParams().ProtocolVersion)
	}
	return ss, nil
}

// caller is the client with requests in flight to d, and its latest
// request's context (which names that request's stream), if it is the
// only one waiting; waiting says how many clients are.
func (g *Gateway) caller(d *downstream) (ss *mcp.ServerSession, request context.Context, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if waiting = len(g.inflight[d]); waiting == 1 {
		for s, reqs := range g.inflight[d] {
			return s, reqs[len(reqs)-1], 1
		}
	}
	return nil, nil, waiting
}

// downstreamErr labels an error with the server unless it is a JSON-RPC
// error from the server itself, which passes through with its code. A
// failed transport almost always means the server is going: the error
// waits briefly for its end, to say why and so the next call starts afresh.
func (g *Gateway) downstreamErr(d *downstream, cs *mcp.ClientSession, err error) error {
	var wire *jsonrpc.Error
	switch {
	case errors.As(err, &wire) && wire.Code != codeRejectedByTransport:
		return g.screenError(d, wire)
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("server %q did not answer within %s (the gateway's call timeout, --call-timeout)", d.name, g.opts.CallTimeout)
	case errors.Is(err, context.Canceled):
		err = fmt.Errorf("server %q: %w", d.name, err)
	default:
		if why := d.settle(cs); why != nil {
			err = why
		} else {
			err = fmt.Errorf("server %q: %w", d.name, err)
		}
	}
	return &jsonrpc.Error{Code: CodeServerFailed, Message: err.Error()}
}

// screenError screens the message and data of an error the server sent,
// which reach the client's model as any result does. Its code stays.
func (g *Gateway) screenError(d *downstream, wire *jsonrpc.Error) error {
	out := *wire
	slots := []textSlot{{out.Message, func(s string) { out.Message = s }}}
	if !g.screenNotice(d, "error message", slots) {
		out.Message = fmt.Sprintf("server %q answered with an error whose message the gateway withheld: it held text aimed at the model or a secret", d.name)
	}
	if _, found := g.findingsIn(g.ctx, []textSlot{{text: string(out.Data)}}, false); len(found) > 0 {
		out.Data = nil // structured: dropped whole, not redacted into something else
	}
	return &out
}

// forwardTool decides a call by policy (holding it for a person where
// policy asks), forwards the arguments decided on, screens the result and
// records the call in the audit log.
func (g *Gateway) forwardTool(d *downstream, t *mcp.Tool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := g.newCall(d, t, req)
		markAudited(ctx) // each way out below audits
		this := requestSeal(d.name, "tools/call", t.Name, req.Params.Arguments)
		resumed, err := g.resume(req.Params.RequestState, req.Params.InputResponses, this)
		if err != nil {
			g.audit(c, policy.Outcome{Decision: store.Deny, DecidedBy: "bulkhead: a request state it did not issue for this call"}, "refused", err)
			return nil, err
		}
		var out, decided policy.Outcome
		if resumed != nil {
			// A later round of a call decided in its first: a rule made
			// since that denies it still counts; nobody is asked again.
			decided, out = resumed.decision(c.Arguments), resumed.outcome(c.Arguments)
			if why, denied, err := g.deniedNow(ctx, c); err != nil || denied {
				out = policy.Outcome{Decision: store.Deny, DecidedBy: why}
			}
		} else if out, err = g.authorize(ctx, c); err != nil {
			g.audit(c, out, "error", err)
			return nil, coded(CodeInternal, fmt.Errorf("server %q: deciding the call to %q: %w", d.name, t.Name, err))
		} else {
			decided = out
		}
		if !out.Allowed {
			err := declined(d, t.Name, out)
			g.audit(c, out, "denied", err)
			return nil, err
		}
		this.Decision, this.DecidedBy, this.ApprovalID = decided.Decision, decided.DecidedBy, decided.ApprovalID
		res, err := g.callTool(ctx, d, t.Name, req, out.Arguments, this, resumed)
		status := "ok"
		switch {
		case err != nil:
			status = "error"
		case res.InputRequests != nil:
			status = "input required"
		case res.IsError:
			status = "tool error"
		}
		g.audit(c, out, status, err)
		return res, err
	}
}

// callTool calls the tool, in as many rounds as the server asks for input
// (rounds.go), from the round resumed, if any.
func (g *Gateway) callTool(ctx context.Context, d *downstream, original string, req *mcp.CallToolRequest, args json.RawMessage, this sealed, resumed *sealed) (*mcp.CallToolResult, error) {
	ctx, meta, end := g.begin(ctx, d, req.Session, req.Params.Meta)
	defer end()
	cs, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	params := &mcp.CallToolParams{Meta: g.serverMeta(cs, req.Session, req.Params.Meta, meta), Name: original, Arguments: argumentsOf(args)}
	var res *mcp.CallToolResult
	needs, state, err := g.rounds(ctx, d, req.Session, this, resumed, req.Params.InputResponses, func(answers mcp.InputResponseMap, state string) (mcp.InputRequestMap, string, error) {
		params.InputResponses, params.RequestState = answers, state
		var err error
		if res, err = cs.CallTool(ctx, params); err != nil {
			return nil, "", g.downstreamErr(d, cs, err)
		}
		return needsOf(res.NeedsInput(), res.InputRequests), res.RequestState, nil
	})
	switch {
	case err != nil:
		return nil, err
	case needs != nil:
		return &mcp.CallToolResult{InputRequests: needs, RequestState: state}, nil
	}
	res.Meta, res.RequestState = withoutProtocolKeys(res.Meta), "" // the server's own, to no one
	if err := g.screen(ctx, d, fmt.Sprintf("result of tool %q", original), toolResultSlots(res)); err != nil {
		return nil, err
	}
	return res, nil
}

// argumentsOf is a call's arguments as CallToolParams takes them: none at
// all for a call that had none (or null), which a nil json.RawMessage in
// the interface would send as "arguments": null, refused by servers.
func argumentsOf(args json.RawMessage) any {
	if len(args) == 0 || string(args) == "null" {
		return nil
	}
	return args
}

func (g *Gateway) forwardPrompt(d *downstream, original string) mcp.PromptHandler {
	return func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		this := requestSeal(d.name, "prompts/get", original, argsOf(req.Params.Arguments))
		resumed, err := g.resume(req.Params.RequestState, req.Params.InputResponses, this)
		if err != nil {
			return nil, err
		}
		ctx, meta, end := g.begin(ctx, d, req.Session, req.Params.Meta)
		defer end()
		cs, err := d.session(ctx)
		if err != nil {
			return nil, err
		}
		params := &mcp.GetPromptParams{Meta: g.serverMeta(cs, req.Session, req.Params.Meta, meta), Name: original, Arguments: req.Params.Arguments}
		var res *mcp.GetPromptResult
		needs, state, err := g.rounds(ctx, d, req.Session, this, resumed, req.Params.InputResponses, func(answers mcp.InputResponseMap, state string) (mcp.InputRequestMap, string, error) {
			params.InputResponses, params.RequestState = answers, state
			var err error
			if res, err = cs.GetPrompt(ctx, params); err != nil {
				return nil, "", g.downstreamErr(d, cs, err)
			}
			return needsOf(res.NeedsInput(), res.InputRequests), res.RequestState, nil
		})
		switch {
		case err != nil:
			return nil, err
		case needs != nil:
			return &mcp.GetPromptResult{InputRequests: needs, RequestState: state}, nil
		}
		res.Meta, res.RequestState = withoutProtocolKeys(res.Meta), ""
		if err := g.screen(ctx, d, fmt.Sprintf("messages of prompt %q", original), promptSlots(res)); err != nil {
			return nil, err
		}
		return res, nil
	}
}

func (g *Gateway) forwardRead(d *downstream) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		this := requestSeal(d.name, "resources/read", req.Params.URI, nil)
		resumed, err := g.resume(req.Params.RequestState, req.Params.InputResponses, this)
		if err != nil {
			return nil, err
		}
		ctx, meta, end := g.begin(ctx, d, req.Session, req.Params.Meta)
		defer end()
		cs, err := d.session(ctx)
		if err != nil {
			return nil, err
		}
		params := &mcp.ReadResourceParams{Meta: g.serverMeta(cs, req.Session, req.Params.Meta, meta), URI: req.Params.URI}
		var res *mcp.ReadResourceResult
		needs, state, err := g.rounds(ctx, d, req.Session, this, resumed, req.Params.InputResponses, func(answers mcp.InputResponseMap, state string) (mcp.InputRequestMap, string, error) {
			params.InputResponses, params.RequestState = answers, state
			var err error
			if res, err = cs.ReadResource(ctx, params); err != nil {
				return nil, "", g.downstreamErr(d, cs, err)
			}
			return needsOf(res.NeedsInput(), res.InputRequests), res.RequestState, nil
		})
		switch {
		case err != nil:
			return nil, err
		case needs != nil:
			return &mcp.ReadResourceResult{InputRequests: needs, RequestState: state}, nil
		}
		res.Meta, res.RequestState = withoutProtocolKeys(res.Meta), ""
		if err := g.screen(ctx, d, fmt.Sprintf("contents of resource %q", req.Params.URI), readSlots(res)); err != nil {
			return nil, err
		}
		return res, nil
	}
}

// owner finds the server of a resource URI: an exact resource first, then a
// template that matches.
func (g *Gateway) owner(uri string) *downstream {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range g.downs {
		if _, ok := d.pub.resources[uri]; ok {
			return d
		}
	}
	for _, d := range g.downs {
		for _, e := range d.pub.templates {
			if e.match.Regexp().MatchString(uri) {
				return d
			}
		}
	}
	return nil
}

func (g *Gateway) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	params := *req.Params
	ref := *params.Ref
	params.Ref = &ref
	var d *downstream
	switch ref.Type {
	case "ref/prompt":
		g.mu.Lock()
		for _, cand := range g.downs {
			if e, ok := cand.pub.prompts[ref.Name]; ok {
				d, ref.Name = cand, e.original
			}
		}
		g.mu.Unlock()
	case "ref/resource":
		d = g.owner(ref.URI)
	}
	if d == nil {
		return nil, &jsonrpc.Error{Code: CodeInvalidParams, Message: fmt.Sprintf("no server offers %s %q", ref.Type, ref.Name+ref.URI)}
	}
	ctx, meta, end := g.begin(ctx, d, req.Session, params.Meta)
	defer end()
	params.Meta = meta
	cs, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	res, err := cs.Complete(ctx, &params)
	if err != nil {
		return nil, g.downstreamErr(d, cs, err)
	}
	res.Meta = withoutProtocolKeys(res.Meta)
	if err := g.screen(ctx, d, "completions", completionSlots(res)); err != nil {
		return nil, err
	}
	return res, nil
}

// subscribe passes a client's subscription on, once per server and URI
// however many clients subscribe; the SDK remembers which sessions did.
func (g *Gateway) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	return g.changeSubscription(ctx, req.Params.URI, +1)
}

func (g *Gateway) unsubscribe(ctx context.Context, req *mcp.UnsubscribeRequest) error {
	// At 2026-07-28 a subscription ends with its listening request, whose
	// context is canceled by then: the server is still told.
	return g.changeSubscription(context.WithoutCancel(ctx), req.Params.URI, -1)
}

func (g *Gateway) changeSubscription(ctx context.Context, uri string, delta int) error {
	d := g.owner(uri)
	if d == nil {
		return &jsonrpc.Error{Code: CodeInvalidParams, Message: fmt.Sprintf("no server offers resource %q", uri)}
	}
	g.mu.Lock()
	if g.subs[d] == nil {
		g.subs[d] = map[string]int{}
	}
	before := g.subs[d][uri]
	after := max(0, before+delta)
	g.subs[d][uri] = after
	g.mu.Unlock()
	if (before == 0) == (after == 0) {
		return nil
	}
	cs, err := d.session(ctx)
	if err != nil {
		return err
	}
	if after > 0 {
		err = cs.Subscribe(ctx, &mcp.SubscribeParams{URI: uri})
	} else {
		err = cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: uri})
	}
	if err != nil {
		return g.downstreamErr(d, cs, err)
	}
	return nil
}

// rootsChanged tells every running server that the roots changed; each
// asks again, and its question is routed to a client.
func (g *Gateway) rootsChanged(context.Context, *mcp.RootsListChangedRequest) {
	for _, d := range g.downs {
		d.client.AddRoots(rootsPlaceholder)
	}
}

// passLog passes a server's log message on, screened and within its flood
// budget, like its questions (see route): to the one client with requests
// in flight to the server, on the stream of its latest, at the level that
// client asked for (at 2026-07-28, asked with the request); with none in
// flight, to each client that asked for logs. While several clients wait
// on the server it cannot be told whose the message is, and it is dropped,
// so that one client's data never reaches another.
func (g *Gateway) passLog(ctx context.Context, d *downstream, params *mcp.LoggingMessageParams) {
	defer g.notePassed(&d.logs)
	p := *params
	if !d.admit() || !g.screenNotice(d, "log message", logSlots(&p)) {
		return
	}
	p.Logger = d.name + "/" + p.Logger
	switch caller, request, waiting := g.caller(d); waiting {
	case 0:
		for ss := range g.server.Sessions() {
			if !stateless(ss) { // a stateless client is there for its own request only
				ss.Log(ctx, &p)
			}
		}
	case 1:
		caller.Log(context.WithoutCancel(request), &p)
	default:
		g.log.Debug("log message dropped: several clients wait on the server", "server", d.name, "clients", waiting)
	}
}

// loggingLevels in order of verbosity, most verbose first.
var loggingLevels = []mcp.LoggingLevel{"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

// setLevel records a client's log level and sets each running server to
// the most verbose level any client wants; the SDK filters per client.
// Servers started later get it when they start.
func (g *Gateway) setLevel(ctx context.Context, ss *mcp.ServerSession, level mcp.LoggingLevel) {
	g.mu.Lock()
	g.levels[ss] = level
	g.mu.Unlock()
	for _, d := range g.downs {
		d.mu.Lock()
		cs := d.cs
		d.mu.Unlock()
		if cs != nil {
			g.applyLevel(ctx, cs)
		}
	}
}

// applyLevel passes the most verbose level any live client asked for to
// one server, if any client asked and the server logs.
func (g *Gateway) applyLevel(ctx context.Context, cs *mcp.ClientSession) {
	live := map[*mcp.ServerSession]bool{}
	for s := range g.server.Sessions() {
		live[s] = true
	}
	g.mu.Lock()
	want := -1
	for s, l := range g.levels {
		if !live[s] {
			delete(g.levels, s)
			continue
		}
		if i := slices.Index(loggingLevels, l); i >= 0 && (want < 0 || i < want) {
			want = i
		}
	}
	g.mu.Unlock()
	// A server of a stateless revision reads the level from each request.
	if want >= 0 && cs.InitializeResult().Capabilities.Logging != nil && !statelessServer(cs) {
		cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: loggingLevels[want]})
	}
}

// newClient is the gateway's client towards one server: what the server
// asks of its client is routed to the right upstream session.
func (g *Gateway) newClient(d *downstream) *mcp.Client {
	c := mcp.NewClient(&mcp.Implementation{Name: "bulkhead", Version: g.opts.Version}, &mcp.ClientOptions{
		Logger:    g.log,
		KeepAlive: g.opts.KeepAlive,
		// A server's questions in its results are the calling client's to
		// answer, screened on the way (rounds.go), not the SDK's.
		MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true},
		CreateMessageHandler: func(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			ss, err := g.route(d)
			if err == nil {
				err = g.screen(ctx, d, "request for the client's model (sampling)", samplingSlots(req.Params))
			}
			if err != nil {
				return nil, err
			}
			return ss.CreateMessage(ctx, req.Params)
		},
		ElicitationHandler: func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			ss, err := g.route(d)
			if err == nil {
				err = g.screen(ctx, d, "question for the user (elicitation)", elicitSlots(req.Params))
			}
			if err != nil {
				return nil, err
			}
			return ss.Elicit(ctx, req.Params)
		},
		ToolListChangedHandler:     func(context.Context, *mcp.ToolListChangedRequest) { d.listChanged() },
		PromptListChangedHandler:   func(context.Context, *mcp.PromptListChangedRequest) { d.listChanged() },
		ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { d.listChanged() },
		ResourceUpdatedHandler: func(ctx context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
			if d.admit() {
				g.server.ResourceUpdated(ctx, req.Params)
			}
		},
		LoggingMessageHandler: func(ctx context.Context, req *mcp.LoggingMessageRequest) {
			g.passLog(ctx, d, req.Params)
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			g.passProgress(d, req.Params)
		},
	})
	c.AddRoots(rootsPlaceholder)
	c.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "roots/list" {
				return next(ctx, method, req)
			}
			ss, err := g.route(d)
			if err != nil {
				return nil, err
			}
			return ss.ListRoots(ctx, nil)
		}
	})
	return c
}
