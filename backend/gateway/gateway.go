//lint:file-ignore SA1019 roots, sampling and logging are deprecated only from MCP 2026-07-28; this file forwards them for 2025-06-18 and 2025-11-25 peers.

package gateway

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// Options tune a gateway; the zero value is usable.
type Options struct {
	// Separator joins a server's name and a tool or prompt name
	// (default "__"). Server names cannot contain it, so names never clash.
	Separator string
	// Bare publishes the one server's tool and prompt names as they are,
	// with no server name in front: for a client (or a conformance suite)
	// that calls a server's tools by their own names. New refuses it with
	// more than one server, whose names could clash.
	Bare bool
	// Eager starts every server with the gateway; otherwise a server starts
	// when a client first lists or calls.
	Eager bool
	// Stopped lists servers that start stopped: none starts until
	// StartServer.
	Stopped []string
	// CallTimeout bounds one forwarded request (default 10 minutes).
	CallTimeout time.Duration
	// KeepAlive is how often idle servers are pinged (default 30s).
	KeepAlive time.Duration
	// Store holds the pins every definition is checked against, and held
	// results (required).
	Store *store.Store
	// ResultPolicy is what a server's results become when the scanner finds
	// a secret or text addressed to the model (default: redact).
	ResultPolicy func(server string) catalog.ResultPolicy
	// Secrets are the values of the secrets configured for any server,
	// looked for in every result.
	Secrets *scan.Secrets
	// Judge, if set, is asked about what the scanner shows without
	// withholding, in definitions and results (see scan.Judged).
	Judge *judge.Judge
	// Gate decides every tool call by policy, holding those that ask for a
	// person; nil allows every call (for embedding without policy).
	Gate *policy.Gate
	// Settings are the person's settings (audit arguments); nil: defaults.
	Settings func() policy.Settings
	// Verified tells servers of the built-in catalog, whose tools'
	// annotations may soften a default.
	Verified func(server string) bool
	// Instance names this gateway process among others sharing the state.
	Instance string
	// Version is reported to clients and servers.
	Version string
	Logger  *slog.Logger
}

var separatorRE = regexp.MustCompile(`^[A-Za-z0-9_.]{1,8}$`)

// Gateway aggregates servers behind one MCP server.
type Gateway struct {
	opts   Options
	server *mcp.Server
	downs  []*downstream
	byName map[string]*downstream
	log    *slog.Logger
	// judging is what the judge needs to judge a result: the secrets to
	// keep from it.
	judging *scan.Context
	ctx     context.Context // ends at Close
	cancel  context.CancelFunc

	mu        sync.Mutex
	owners    map[string]*downstream // resource URI or template -> server
	subs      map[*downstream]map[string]int
	levels    map[*mcp.ServerSession]mcp.LoggingLevel
	inflight  map[*downstream]map[*mcp.ServerSession][]context.Context // the requests of each client in flight to each server
	progress  map[string]*progressRoute
	nextToken uint64

	usedSeals map[string]int64 // nonces of the request states already answered, until they expire (rounds.go)
	sealer    cipher.AEAD      // seals the request states handed to clients

	toggles  atomic.Pointer[store.Toggles] // servers and tools a person turned on or off (toggles.go)
	overHTTP atomic.Bool                   // served by HTTPHandler: a session without an ID is one request
}

// New builds a gateway over the given servers; nothing starts until Start
// (eager) or a client asks.
func New(backends []Backend, opts Options) (*Gateway, error) {
	if opts.Store == nil {
		return nil, fmt.Errorf("the gateway needs the state store: it checks every definition against its pin")
	}
	if opts.Separator == "" {
		opts.Separator = "__"
	}
	if !separatorRE.MatchString(opts.Separator) || opts.Separator == "-" {
		return nil, fmt.Errorf("name separator %q must be 1 to 8 letters, digits, underscores or dots", opts.Separator)
	}
	if opts.Bare && len(backends) != 1 {
		return nil, fmt.Errorf("bare names serve exactly one server (got %d): name one with --server, or drop --names bare", len(backends))
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 10 * time.Minute
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = 30 * time.Second
	}
	if opts.ResultPolicy == nil {
		opts.ResultPolicy = func(string) catalog.ResultPolicy { return catalog.ResultsRedact }
	}
	if opts.Verified == nil {
		opts.Verified = func(string) bool { return false }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		opts: opts, byName: map[string]*downstream{}, log: opts.Logger, ctx: ctx, cancel: cancel,
		owners: map[string]*downstream{}, subs: map[*downstream]map[string]int{},
		levels: map[*mcp.ServerSession]mcp.LoggingLevel{}, inflight: map[*downstream]map[*mcp.ServerSession][]context.Context{},
		progress: map[string]*progressRoute{}, usedSeals: map[string]int64{},
		judging: scan.NewContext(nil).WithSecrets(opts.Secrets).WithJudge(opts.Judge),
	}
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if g.sealer, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	for _, b := range backends {
		if _, dup := g.byName[b.Name()]; dup {
			return nil, fmt.Errorf("server %q is listed twice", b.Name())
		}
		d := &downstream{g: g, name: b.Name(), backend: b, flood: newFloodGate(), off: slices.Contains(opts.Stopped, b.Name())}
		d.client = g.newClient(d)
		g.downs = append(g.downs, d)
		g.byName[d.name] = d
	}
	g.server = mcp.NewServer(&mcp.Implementation{Name: "bulkhead", Title: "Bulkhead", Version: opts.Version}, &mcp.ServerOptions{
		Logger: opts.Logger,
		// Declared up front: servers start lazily, after initialize.
		Capabilities: &mcp.ServerCapabilities{
			Tools:       &mcp.ToolCapabilities{ListChanged: true},
			Prompts:     &mcp.PromptCapabilities{ListChanged: true},
			Resources:   &mcp.ResourceCapabilities{ListChanged: true, Subscribe: true},
			Completions: &mcp.CompletionCapabilities{},
			Logging:     &mcp.LoggingCapabilities{},
		},
		CompletionHandler:       g.complete,
		SubscribeHandler:        g.subscribe,
		UnsubscribeHandler:      g.unsubscribe,
		RootsListChangedHandler: g.rootsChanged,
		// What the gateway lists changes with a person's approvals and
		// toggles, and what it reads is the user's: stale at once, and for
		// the user's client alone (2026-07-28 lets clients cache).
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) { c.TTLMs, c.CacheScope = 0, "private" },
	})
	g.server.AddReceivingMiddleware(g.intercept)
	// The version is read before the toggles, so a change between the two
	// is seen by the first poll; hidden tools are known before anything is
	// published.
	version, err := g.stateVersion(ctx)
	if err == nil {
		err = g.loadToggles(ctx)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	go g.watchApprovals(version)
	return g, nil
}

// Server is the upstream MCP server to run on a transport.
func (g *Gateway) Server() *mcp.Server { return g.server }

// Start starts every server now when Options.Eager is set.
func (g *Gateway) Start(ctx context.Context) {
	if g.opts.Eager {
		g.startAll(ctx)
	}
}

// startAll brings every server up (in parallel) and publishes what it has;
// a server that fails to start is left out and logged.
func (g *Gateway) startAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, d := range g.downs {
		if d.stopped() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.session(ctx); err != nil {
				g.log.Warn("server unavailable", "server", d.name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// prefix is what the gateway puts before d's tool and prompt names.
func (g *Gateway) prefix(d *downstream) string {
	if g.opts.Bare {
		return ""
	}
	return d.name + g.opts.Separator
}

// serverOf finds the server a published tool or prompt name starts with.
func (g *Gateway) serverOf(name string) *downstream {
	if g.opts.Bare {
		return g.downs[0]
	}
	server, _, ok := strings.Cut(name, g.opts.Separator)
	if !ok {
		return nil
	}
	return g.byName[server]
}

// interceptCall brings up the server a tools/call names and passes the
// call on, unless its tool is withheld. forwardTool audits what reaches
// it; what is refused before (no such tool, withheld, server unavailable)
// is audited here, so every call is recorded.
func (g *Gateway) interceptCall(ctx context.Context, req mcp.Request, next mcp.MethodHandler) (mcp.Result, error) {
	start := time.Now()
	p := req.GetParams().(*mcp.CallToolParamsRaw)
	audited := false
	res, err := g.startAndPass(context.WithValue(ctx, auditedKey{}, &audited), "tools/call", req, p.Name, next)
	if err != nil && !audited {
		ss, _ := req.GetSession().(*mcp.ServerSession)
		g.auditRefused(p, ss, start, err)
	}
	return res, err
}

// startAndPass starts the server that name (a tool or prompt) belongs to
// and refuses it if withheld, then passes the request on.
func (g *Gateway) startAndPass(ctx context.Context, method string, req mcp.Request, name string, next mcp.MethodHandler) (mcp.Result, error) {
	if d := g.serverOf(name); d != nil {
		if _, err := d.session(ctx); err != nil {
			return nil, err
		}
		if err := g.withheldErr(d, name); err != nil {
			return nil, err
		}
	}
	return next(ctx, method, req)
}

// resourceWithheld refuses a resource no server publishes because a person
// has not approved it.
func (g *Gateway) resourceWithheld(uri string) error {
	if g.owner(uri) != nil {
		return nil
	}
	for _, d := range g.downs {
		if err := g.withheldErr(d, uri); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every server.
func (g *Gateway) Close(ctx context.Context) {
	g.cancel()
	var wg sync.WaitGroup
	for _, d := range g.downs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.stop(ctx)
		}()
	}
	wg.Wait()
}

// intercept runs before the SDK handles a client request. Servers start
// lazily, so whatever names a server's tool or prompt first brings that
// server up (a client may call straight from a cached list), and whatever
// could belong to any server brings them all up. Log levels are passed on.
func (g *Gateway) intercept(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "tools/call":
			return g.interceptCall(ctx, req, next)
		case "prompts/get":
			return g.startAndPass(ctx, method, req, req.GetParams().(*mcp.GetPromptParams).Name, next)
		case "resources/read", "resources/subscribe", "subscriptions/listen":
			g.startAll(ctx)
			var uris []string
			switch p := req.GetParams().(type) {
			case *mcp.ReadResourceParams:
				uris = []string{p.URI}
			case *mcp.SubscribeParams:
				uris = []string{p.URI}
			case *mcp.SubscriptionsListenParams: // 2026-07-28's way to subscribe
				if p.Notifications != nil {
					uris = p.Notifications.ResourceSubscriptions
				}
			}
			for _, uri := range uris {
				if err := g.resourceWithheld(uri); err != nil {
					return nil, err
				}
			}
		case "tools/list", "prompts/list", "resources/list", "resources/templates/list", "completion/complete":
			g.startAll(ctx)
		case "logging/setLevel":
			res, err := next(ctx, method, req)
			if err == nil {
				ss, _ := req.GetSession().(*mcp.ServerSession)
				g.setLevel(ctx, ss, req.GetParams().(*mcp.SetLoggingLevelParams).Level)
			}
			return res, err
		}
		return next(ctx, method, req)
	}
}
