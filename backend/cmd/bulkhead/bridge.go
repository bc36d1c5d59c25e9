package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/gateway"
)

func newBridgeCommand(a *app) *cobra.Command {
	var socket, tokenFile string
	cmd := &cobra.Command{
		Use:   "bridge --socket PATH",
		Short: "Speak MCP on stdio to a gateway served on a unix socket (the Docker Desktop extension's)",
		Long: `Carry MCP messages, unchanged, between this process's stdin and stdout and the
gateway of a ` + "`bulkhead serve --gateway-socket PATH`" + `. It is how MCP clients on the
host reach the gateway inside Docker Desktop:

  docker run -i --rm -v bulkhead-run:/run/bulkhead:ro IMAGE bridge --socket /run/bulkhead/gateway.sock

The gateway's token is read from --token-file (default: gateway.token beside
the socket); it never appears in arguments.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return errors.New("--socket PATH is required: the gateway socket of `bulkhead serve --gateway-socket`")
			}
			if tokenFile == "" {
				tokenFile = filepath.Join(filepath.Dir(socket), "gateway.token")
			}
			return runBridge(cmd.Context(), a, socket, tokenFile)
		},
	}
	cmd.Flags().StringVar(&socket, "socket", "", "the gateway's unix socket")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding the gateway's token (default: gateway.token beside the socket)")
	return cmd
}

// ExtensionRunVolume is the volume the extension's backend shares its
// gateway socket in (compose.yaml).
const ExtensionRunVolume = "bulkhead-run"

// bridgeRunArgs are the docker arguments that start a bridge to the
// extension's gateway for one MCP client session: locked down like a
// sandbox, with nothing but the socket's volume, read-only. It runs as
// root in the container only to read the token the root-run backend wrote.
func bridgeRunArgs(image, volume string) []string {
	return []string{"run", "-i", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL",
		"--security-opt", "no-new-privileges", "--user", "0:0", "-v", volume + ":/run/bulkhead:ro",
		image, "bridge", "--socket", "/run/bulkhead/gateway.sock"}
}

func runBridge(ctx context.Context, a *app, socket, tokenFile string) error {
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return fmt.Errorf("read the gateway token: %w; is `bulkhead serve --gateway-socket` running?", err)
	}
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}
	up := &mcp.StreamableClientTransport{
		Endpoint:   "http://localhost" + gateway.HTTPPath,
		HTTPClient: &http.Client{Transport: withToken{token: strings.TrimSpace(string(b)), next: &http.Transport{DialContext: dial}}},
	}
	upConn, err := up.Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to the gateway at %s: %w", socket, err)
	}
	defer upConn.Close()
	downConn, err := gateway.StreamTransport(a.stdin, a.stdout).Connect(ctx)
	if err != nil {
		return err
	}
	defer downConn.Close()
	done := make(chan error, 2)
	go func() { done <- pipe(ctx, downConn, upConn, downConn) }()
	go func() { done <- pipe(ctx, upConn, downConn, nil) }()
	err = <-done
	if errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) || ctx.Err() != nil {
		return nil // the client or the gateway went away
	}
	return err
}

// pipe copies messages from one connection to the other until either
// ends. A request the gateway refuses at the HTTP level (an unsupported
// protocol version, say) is answered to its sender, on replyTo, with the
// reason, as a direct client's transport would: the session goes on.
func pipe(ctx context.Context, from, to, replyTo mcp.Connection) error {
	for {
		msg, err := from.Read(ctx)
		if err != nil {
			return err
		}
		err = to.Write(ctx, msg)
		if err == nil {
			continue
		}
		req, isRequest := msg.(*jsonrpc.Request)
		if replyTo == nil || !isRequest || !req.ID.IsValid() || errors.Is(err, mcp.ErrConnectionClosed) {
			return err
		}
		if err := replyTo.Write(ctx, &jsonrpc.Response{ID: req.ID, Error: &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}}); err != nil {
			return err
		}
	}
}

// withToken adds the bearer token to every request.
type withToken struct {
	token string
	next  http.RoundTripper
}

func (b withToken) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
