package gateway

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The gateway speaks every revision the SDK does to its clients, the
// stateless 2026-07-28 included, and 2025-11-25 to servers: at that
// revision a server asks its client in the middle of a request (sampling,
// elicitation, roots), which the gateway routes to the client whose
// request it is; a 2026 server's multi-round-trip results are not
// forwarded yet.
const downstreamVersion = "2025-11-25"

// statelessVersion is the first revision without sessions: each request
// carries its version, client and capabilities in _meta, and a server may
// not send its client requests of its own.
const statelessVersion = "2026-07-28"

// stateless reports whether a client session speaks a revision without
// sessions: it takes no requests from the gateway (sampling, elicitation,
// roots), and over HTTP lasts one request.
func stateless(ss *mcp.ServerSession) bool {
	if ss == nil {
		return false
	}
	p := ss.InitializeParams()
	return p != nil && p.ProtocolVersion >= statelessVersion
}

// protocolKey marks the _meta keys of the protocol itself (a request's
// version, client and capabilities; a result's server), which are each
// side's own business with the gateway, never passed across it.
const protocolKey = "io.modelcontextprotocol/"

// withoutProtocolKeys is m without the protocol's keys: what of a client's
// _meta goes to a server (a progress token, keys of its own), and of a
// server's to a client. A client's version would otherwise make a server
// read a 2025 session's request as a 2026 one, and a server's name tell
// the client it talks to that server rather than the gateway.
func withoutProtocolKeys(m mcp.Meta) mcp.Meta {
	var out mcp.Meta
	for k, v := range m {
		if strings.HasPrefix(k, protocolKey) {
			continue
		}
		if out == nil {
			out = mcp.Meta{}
		}
		out[k] = v
	}
	return out
}

// requestSessions numbers the stateless requests served over HTTP, each
// its own session for policy: "allow for this session" then covers that
// request, never every HTTP client's.
var requestSessions atomic.Uint64

func nextRequestSession() string { return "request-" + strconv.FormatUint(requestSessions.Add(1), 10) }
