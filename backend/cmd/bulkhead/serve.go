package main

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/api"
	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/clientconfig"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/secrets"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/ui"
)

type serveFlags struct {
	addr          string
	socket        string
	gatewaySocket string
	gw            gatewayFlags
}

const defaultServeAddr = "127.0.0.1:7338"

func newServeCommand(a *app) *cobra.Command {
	f := serveFlags{gw: gatewayFlags{pull: string(sandbox.PullMissing), separator: "__", callTimeout: 10 * time.Minute, eager: true}}
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT | --socket PATH]",
		Short: "Serve the web UI's API and the gateway, for the UI or the Docker Desktop extension",
		Long: `Serve, in one process, the local API the web UI uses (at /api) and a gateway
over every catalog server (streamable HTTP at /mcp). Enabled servers start at
once; the others wait until started from the UI, which also enables them.

The API needs the bearer token in <home>/api.token, which MCP clients never
get: the gateway's token (<home>/gateway.token) does not open the API, so no
agent can approve its own calls. Requests for another host name (DNS
rebinding), from another site's pages, or changing state by GET are refused.

On a unix socket (--socket, the extension's case) the file is readable by
the user only. --gateway-socket serves the gateway, and nothing else, on a
second socket with a copy of its token beside it, for ` + "`bulkhead bridge`" + ` in
another container to share.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), a, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", defaultServeAddr, "loopback address to serve on")
	fl.StringVar(&f.socket, "socket", "", "serve on this unix socket instead")
	fl.StringVar(&f.gatewaySocket, "gateway-socket", "", "also serve the gateway alone on this unix socket, with its token beside it, for `bulkhead bridge`")
	fl.StringVar(&f.gw.pull, "pull", f.gw.pull, "when to pull images: missing, always or never")
	f.gw.judge.add(cmd)
	return cmd
}

func runServe(ctx context.Context, a *app, f serveFlags) (err error) {
	surviveBrokenPipes()
	home, err := a.home()
	if err != nil {
		return err
	}
	l, local, err := serveListener(f)
	if err != nil {
		return err
	}
	defer l.Close()
	apiToken, err := secrets.Token(apiTokenPath(home))
	if err != nil {
		return err
	}
	gwToken, err := gateway.Token(home)
	if err != nil {
		return err
	}
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	toggles, err := st.Toggles(ctx)
	if err != nil {
		return err
	}
	servers, stopped := splitByToggle(cat, toggles)
	g, gate, err := openGateway(ctx, a, servers, stopped, f.gw)
	if err != nil {
		return err
	}
	stops := []func(context.Context){g.Close} // and each HTTP server once serving
	defer func() {
		if shutErr := a.shutDown(endedBy(ctx), together(stops...)); err == nil {
			err = shutErr
		}
	}()
	go g.Start(ctx)
	eng, _ := a.engine(ctx) // opened by openGateway
	admin, err := loadAdmin()
	if err != nil {
		return err
	}

	handler := api.New(ctx, api.Config{
		Token: apiToken, Hosts: local.hosts(), Origins: local.origins(),
		Store: st, Queue: gate.Queue, Admin: admin, Servers: g, DecidedBy: approver() + " (web UI)",
		Catalog:   func() (*catalog.Catalog, error) { return cat, nil }, // the gateway serves this one until restarted
		Sandboxes: eng.List,
		UI:        ui.Files(),
		Logs: func(server string) (string, error) {
			var b strings.Builder
			err := sandbox.CopyServerLog(home, server, &b)
			return b.String(), err
		},
		ClientTarget: a.serveClientTarget(local, gwToken),
		ClientHome:   clientHome(),
	})
	mux := http.NewServeMux()
	mux.Handle(gateway.HTTPPath, g.HTTPHandler(gateway.HTTPOptions{Token: gwToken, Port: local.port, ExtraHosts: local.hosts(), AnyHost: local.socket != ""}))
	mux.Handle("/", handler)
	if f.gatewaySocket != "" {
		side, err := serveGatewaySocket(f.gatewaySocket, gwToken, g)
		if err != nil {
			return err
		}
		stops = append(stops, closeHTTP(side))
	}

	fmt.Fprintf(a.stderr, "bulkhead: web UI and API at %s (API token in %s; `bulkhead ui` opens the UI); gateway at %s%s (token in %s)\n",
		local.url(), apiTokenPath(home), local.url(), gateway.HTTPPath, gateway.TokenPath(home))
	srv := newHTTPServer(mux)
	stops = append(stops, closeHTTP(srv))
	return serveUntilDone(ctx, srv, l)
}

// splitByToggle names every catalog server, and those not enabled, which
// start stopped.
func splitByToggle(cat *catalog.Catalog, toggles store.Toggles) (servers, stopped []string) {
	for _, e := range cat.Entries {
		servers = append(servers, e.Name)
		if !toggles.Servers[e.Name] {
			stopped = append(stopped, e.Name)
		}
	}
	return servers, stopped
}

// serveClientTarget says what a client's entry runs: the extension's
// bridge container inside Docker Desktop, this server's own gateway URL for
// clients that speak HTTP to a loopback port, else the bulkhead binary.
func (a *app) serveClientTarget(local where, gwToken string) func(client string) (clientconfig.Target, error) {
	return func(client string) (clientconfig.Target, error) {
		switch {
		case os.Getenv(extensionImageEnv) != "":
			return clientconfig.Target{Command: "docker", Args: bridgeRunArgs(os.Getenv(extensionImageEnv), ExtensionRunVolume)}, nil
		case local.socket == "" && clientconfig.Clients[client].HTTP:
			return clientconfig.Target{URL: local.url() + gateway.HTTPPath, Token: gwToken}, nil
		}
		return a.clientTarget(nil, "")
	}
}

// serveGatewaySocket serves the gateway, and nothing else, on its own
// socket (for `bulkhead bridge`) until the returned server is closed.
func serveGatewaySocket(path, token string, g *gateway.Gateway) (*http.Server, error) {
	l, err := gatewayListener(path, token)
	if err != nil {
		return nil, err
	}
	only := http.NewServeMux()
	only.Handle(gateway.HTTPPath, g.HTTPHandler(gateway.HTTPOptions{Token: token, AnyHost: true}))
	srv := newHTTPServer(only)
	go srv.Serve(l)
	return srv, nil
}

// gatewayListener opens the gateway's own socket and puts a copy of its
// token beside it, both the user's alone.
func gatewayListener(path, token string) (net.Listener, error) {
	l, _, err := listenSocket(path)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "gateway.token"), []byte(token+"\n"), 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func apiTokenPath(home string) string { return filepath.Join(home, "api.token") }

// extensionImageEnv names the extension's own image in its backend
// (compose.yaml), for the entries of host clients.
const extensionImageEnv = "BULKHEAD_IMAGE"

// clientHome is where clients' files are, unless this is the extension's
// backend, which cannot reach them.
func clientHome() string {
	if os.Getenv(extensionImageEnv) != "" {
		return ""
	}
	home, _ := os.UserHomeDir()
	return home
}

// where says how the server is reached: a loopback port or a socket.
type where struct {
	port, socket string
}

func (w where) hosts() []string {
	if w.socket != "" {
		return nil // no browser reaches a unix socket: no rebinding to fear
	}
	return []string{"127.0.0.1:" + w.port, "localhost:" + w.port, "[::1]:" + w.port}
}

func (w where) origins() []string {
	var out []string
	for _, h := range w.hosts() {
		out = append(out, "http://"+h)
	}
	return out
}

func (w where) url() string {
	if w.socket != "" {
		return "unix:" + w.socket
	}
	return "http://127.0.0.1:" + w.port
}

// serveListener opens the socket or the loopback port; never an address
// other machines reach.
func serveListener(f serveFlags) (net.Listener, where, error) {
	if f.socket != "" {
		return listenSocket(f.socket)
	}
	l, err := listen(f.addr, false)
	if err != nil {
		return nil, where{}, fmt.Errorf("%v (the UI is served on loopback only)", err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return l, where{port: port}, nil
}

// listenSocket listens on a unix socket readable by the user only,
// replacing a stale socket file but nothing else.
func listenSocket(path string) (net.Listener, where, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, where{}, fmt.Errorf("%s exists and is not a socket: choose another path", path)
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, where{}, fmt.Errorf("socket %s: another Bulkhead is serving there; stop it first", path)
		}
		os.Remove(path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, where{}, err
	}
	// Connecting needs write permission on the socket, which the usual
	// umask already withholds from others; 0600 withholds the rest.
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, where{}, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, where{}, err
	}
	return l, where{socket: path}, nil
}
