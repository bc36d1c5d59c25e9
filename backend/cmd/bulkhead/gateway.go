package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

type gatewayFlags struct {
	stdio       bool
	http        string
	allowRemote bool
	servers     []string
	eager       bool
	separator   string
	names       string
	callTimeout time.Duration
	pull        string
	judge       judgeFlags
}

func newGatewayCommand(a *app) *cobra.Command {
	f := gatewayFlags{pull: string(sandbox.PullMissing), names: "prefixed"}
	cmd := &cobra.Command{
		Use:   "gateway (--stdio | --http ADDR) [--server NAME...]",
		Short: "Serve the chosen servers as one MCP endpoint",
		Long: `Serve the enabled catalog servers (bulkhead enable), or those named with
--server, each in its own sandbox, as one MCP server: tools and prompts
appear as SERVER__NAME (with --names bare, one server's keep their own
names), resources under their own URIs. Servers start when a client first needs them (or at once with --eager)
and are restarted, with back-off, if they crash.

Over HTTP (streamable HTTP at /mcp, on loopback unless --allow-remote) every
request needs the bearer token in <home>/gateway.token; requests from web
pages (an Origin header) and for other host names are refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGateway(cmd.Context(), a, f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.stdio, "stdio", false, "speak MCP on this process's stdin and stdout")
	fl.StringVar(&f.http, "http", "", "serve streamable HTTP at http://ADDR/mcp; :PORT means 127.0.0.1:PORT")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow --http on an address other machines can reach")
	fl.StringArrayVar(&f.servers, "server", nil, "serve this catalog server instead of the enabled ones (repeatable)")
	fl.BoolVar(&f.eager, "eager", false, "start every server at once instead of on first use")
	fl.StringVar(&f.separator, "separator", "__", "joins server and tool names")
	fl.StringVar(&f.names, "names", "prefixed", "prefixed (SERVER__NAME) or bare: one server's tool and prompt names as they are")
	fl.DurationVar(&f.callTimeout, "call-timeout", 10*time.Minute, "longest a forwarded request may take")
	fl.StringVar(&f.pull, "pull", f.pull, "when to pull images: missing, always or never")
	f.judge.add(cmd)
	return cmd
}

func runGateway(ctx context.Context, a *app, f gatewayFlags) error {
	if f.stdio == (f.http != "") {
		return errors.New("choose one transport: --stdio or --http ADDR (e.g. --http " + defaultHTTPAddr + ")")
	}
	if f.names != "prefixed" && f.names != "bare" {
		return fmt.Errorf("--names %q: use prefixed (SERVER__NAME, the default) or bare (one server's names as they are)", f.names)
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	toggles, err := st.Toggles(ctx)
	if err != nil {
		return err
	}
	servers := f.servers
	if len(servers) == 0 {
		for _, name := range toggles.EnabledServers() {
			if _, err := a.entry(name); err != nil {
				fmt.Fprintf(a.stderr, "bulkhead: server %q is enabled but no longer in the catalog; skipped\n", name)
				continue
			}
			servers = append(servers, name)
		}
	}
	if len(servers) == 0 {
		return errors.New("no servers to serve: enable some with `bulkhead enable NAME` or name them with --server NAME")
	}
	var l net.Listener // opened first: a wrong address starts nothing
	if f.http != "" {
		if l, err = listen(f.http, f.allowRemote); err != nil {
			return err
		}
		defer l.Close()
	}
	surviveBrokenPipes()
	g, _, err := openGateway(ctx, a, servers, nil, f)
	if err != nil {
		return err
	}
	if l != nil {
		return serveHTTP(ctx, a, g, l)
	}
	return serveStdio(ctx, a, g)
}

// serveStdio serves the gateway on this process's stdin and stdout until
// the client closes its input or a signal comes, then shuts down. The
// session is not handed ctx: what it was handling (a held call, a start)
// ends with its input, which ends with ctx, even if the client keeps stdin
// open.
func serveStdio(ctx context.Context, a *app, g *gateway.Gateway) error {
	over := make(chan struct{})
	var err error
	go func() {
		defer close(over)
		g.Start(ctx)
		err = g.Server().Run(context.WithoutCancel(ctx), gateway.StreamTransport(untilDone(ctx, a.stdin), a.stdout))
	}()
	select {
	case <-over:
	case <-ctx.Done():
	}
	if shutErr := a.shutDown(endedBy(ctx), func(stopCtx context.Context) {
		g.Close(stopCtx)
		select { // the session's last replies and audit records
		case <-over:
		case <-stopCtx.Done():
		}
	}); shutErr != nil {
		return shutErr
	}
	select {
	case <-over:
		if errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, io.EOF) {
			return nil // the client went away
		}
		return err
	default:
		return nil
	}
}

// openGateway builds a gateway over the named catalog servers (those in
// stopped wait for a person to start them) with the policy gate, after
// removing what an earlier run left behind.
func openGateway(ctx context.Context, a *app, servers, stopped []string, f gatewayFlags) (*gateway.Gateway, *policy.Gate, error) {
	judge, err := f.judge.open()
	if err != nil {
		return nil, nil, err
	}
	st, err := a.store(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := a.engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	vault, err := a.vault(ctx)
	if err != nil {
		return nil, nil, err
	}
	known, err := vault.All(ctx)
	if err != nil { // that server will not start; the others may
		fmt.Fprintf(a.stderr, "bulkhead: %s\n", oneLine(err.Error()))
	}
	var backends []gateway.Backend
	policies := map[string]catalog.ResultPolicy{}
	builtin := map[string]bool{}
	verified := func(server string) bool { return builtin[server] }
	for _, name := range servers {
		e, err := a.entry(name)
		if err != nil {
			return nil, nil, err
		}
		backends = append(backends, &gateway.Sandboxed{Engine: eng, Store: st, Secrets: vault, Entry: e, Pull: sandbox.PullPolicy(f.pull), Progress: a.stderr})
		policies[name] = e.Results
		builtin[name] = e.Source.Builtin
	}
	if n, err := eng.Reap(ctx); err != nil {
		return nil, nil, err
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "bulkhead: removed %d container(s) left by an earlier run\n", n)
	}
	gate, settings, instance, err := openGate(ctx, a, st, eng)
	if err != nil {
		return nil, nil, err
	}
	g, err := gateway.New(backends, gateway.Options{
		Separator: f.separator, Bare: f.names == "bare", Eager: f.eager, Stopped: stopped, CallTimeout: f.callTimeout, Version: version,
		Store: st, Secrets: scan.NewSecrets(known...), Judge: judge,
		Gate: gate, Settings: settings, Verified: verified, Instance: instance,
		ResultPolicy: func(server string) catalog.ResultPolicy { return policies[server] },
		Logger:       slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, nil, err
	}
	return g, gate, nil
}

const defaultHTTPAddr = "127.0.0.1:7337"

// serveHTTP serves the gateway on l until interrupted, then shuts down.
func serveHTTP(ctx context.Context, a *app, g *gateway.Gateway, l net.Listener) (err error) {
	srv := newHTTPServer(nil)
	defer func() {
		if shutErr := a.shutDown(endedBy(ctx), together(closeHTTP(srv), g.Close)); err == nil {
			err = shutErr
		}
	}()
	home, err := a.home()
	if err != nil {
		return err
	}
	token, err := gateway.Token(home)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	srv.Handler = g.HTTPHandler(gateway.HTTPOptions{Token: token, Port: port,
		ExtraHosts: []string{l.Addr().String(), net.JoinHostPort(host, port)}})
	g.Start(ctx)
	fmt.Fprintf(a.stderr, "bulkhead: gateway at http://%s%s (bearer token in %s)\n", l.Addr(), gateway.HTTPPath, gateway.TokenPath(home))
	return serveUntilDone(ctx, srv, l)
}

// newHTTPServer bounds what a client may send before its request is read.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
}

// serveUntilDone serves l until ctx ends or serving fails; shutting the
// server down is the caller's (closeHTTP).
func serveUntilDone(ctx context.Context, srv *http.Server, l net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		return nil
	}
}

// listen opens addr, refusing addresses other machines can reach unless
// that was asked for.
func listen(addr string, allowRemote bool) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--http %q: want HOST:PORT or :PORT, e.g. %s", addr, defaultHTTPAddr)
	}
	if host == "" {
		host = "127.0.0.1"
		addr = net.JoinHostPort(host, port)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if !loopback && !allowRemote {
		return nil, fmt.Errorf("--http %s can be reached from other machines: use a loopback address such as %s, or add --allow-remote", addr, defaultHTTPAddr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l, nil
}
