package gateway

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/secrets"
)

// HTTPPath is where the gateway serves streamable HTTP.
const HTTPPath = "/mcp"

// HTTPOptions guard the HTTP endpoint.
type HTTPOptions struct {
	// Token is the bearer token every request must carry.
	Token string
	// Port is the port the server listens on; Host headers naming a loopback
	// name must carry it.
	Port string
	// ExtraHosts are further Host values accepted (a non-loopback bind).
	ExtraHosts []string
	// AnyHost accepts every Host: for a unix socket, which no browser
	// reaches, so no rebinding page either.
	AnyHost bool
	// AllowedOrigins are the browser origins accepted besides loopback
	// ones (see originAllowed); none by default.
	AllowedOrigins []string
	// MaxBodyBytes caps a request body (default 4 MiB).
	MaxBodyBytes int64
}

// HTTPHandler serves the gateway as streamable HTTP at HTTPPath behind
// checks that keep web pages out: an exact Host allow-list (DNS
// rebinding), no foreign Origin, and the bearer token, compared in
// constant time. Bodies are capped by the SDK.
func (g *Gateway) HTTPHandler(o HTTPOptions) http.Handler {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = mcp.DefaultMaxRequestBodyBytes
	}
	g.overHTTP.Store(true)
	server := func(*http.Request) *mcp.Server { return g.server }
	sessions := mcp.NewStreamableHTTPHandler(server, &mcp.StreamableHTTPOptions{
		Logger:              g.log,
		SessionTimeout:      time.Hour,
		MaxRequestBodyBytes: o.MaxBodyBytes,
	})
	// 2026-07-28 has no sessions: its requests, each carrying its version
	// and no session ID, are served one by one, canceled when their client
	// hangs up (that revision's way to cancel).
	requests := mcp.NewStreamableHTTPHandler(server, &mcp.StreamableHTTPOptions{
		Logger:                       g.log,
		Stateless:                    true,
		PropagateRequestCancellation: true,
		MaxRequestBodyBytes:          o.MaxBodyBytes,
	})
	want := []byte("Bearer " + o.Token)
	mux := http.NewServeMux()
	mux.Handle(HTTPPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mcp-Session-Id") == "" && r.Header.Get("Mcp-Protocol-Version") >= statelessVersion {
			requests.ServeHTTP(w, r)
			return
		}
		sessions.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !o.hostAllowed(r.Host):
			refuse(w, http.StatusForbidden, fmt.Sprintf("host %q is not this gateway's address", r.Host))
		case !o.originAllowed(r.Header.Get("Origin")):
			refuse(w, http.StatusForbidden, fmt.Sprintf("origin %q may not use this gateway", r.Header.Get("Origin")))
		case o.Token == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1:
			w.Header().Set("WWW-Authenticate", `Bearer realm="bulkhead"`)
			refuse(w, http.StatusUnauthorized, "missing or wrong bearer token: `bulkhead client config` shows how to connect")
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

// originAllowed accepts no Origin (a client that is not a browser), the
// AllowedOrigins, and pages served from this machine's loopback (a local
// client's UI, such as an inspector), as the spec's guidance allows: those
// still need the token, which no page can read, and every other page is
// refused before the token is even looked at.
func (o HTTPOptions) originAllowed(origin string) bool {
	if origin == "" || slices.Contains(o.AllowedOrigins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Path != "" || u.User != nil {
		return false
	}
	return loopbackName(u.Hostname())
}

func loopbackName(name string) bool {
	return name == "localhost" || name == "127.0.0.1" || name == "::1"
}

func (o HTTPOptions) hostAllowed(host string) bool {
	if o.AnyHost || slices.Contains(o.ExtraHosts, host) {
		return true
	}
	name, port, err := net.SplitHostPort(host)
	if err != nil || port != o.Port {
		return false
	}
	return loopbackName(name)
}

// refuse answers with a JSON-RPC error object, which MCP clients show.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": -32001, "message": "bulkhead: " + msg},
	})
}

// TokenPath is where a Bulkhead home keeps its gateway token.
func TokenPath(home string) string { return filepath.Join(home, "gateway.token") }

// Token returns the home's gateway token, made on first use.
func Token(home string) (string, error) { return secrets.Token(TokenPath(home)) }
