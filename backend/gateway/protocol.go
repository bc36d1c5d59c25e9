//lint:file-ignore SA1019 logging and roots are deprecated from MCP 2026-07-28 (SEP-2577), yet still in use; a server is told the client's level and capabilities as that revision says.

package gateway

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The gateway speaks every revision the SDK does, the stateless
// 2026-07-28 included, to its clients and to servers: a server gets the
// newest it speaks (downstreamVersion, empty, is the SDK's newest, from
// which it falls back). A server of 2025-11-25 or before asks its client
// in the middle of a request (sampling, elicitation, roots), which the
// gateway routes to the client whose request it is; a newer one asks in
// its results (rounds.go).
const downstreamVersion = ""

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

// statelessServer reports whether the gateway speaks a stateless revision
// with a server: each request then carries the calling client's log level
// and capabilities, and questions come as results (rounds.go).
func statelessServer(cs *mcp.ClientSession) bool {
	r := cs.InitializeResult()
	return r != nil && r.ProtocolVersion >= statelessVersion
}

// serverMeta is the _meta of a client's request as it goes to a server
// of a stateless revision: the client's log level and capabilities, which
// such a server reads from each request (a server of an earlier revision
// has them from the session), so it logs as the client asked and asks
// only what that client can answer. upstream is the client's own _meta.
func (g *Gateway) serverMeta(cs *mcp.ClientSession, ss *mcp.ServerSession, upstream, meta mcp.Meta) mcp.Meta {
	if !statelessServer(cs) {
		return meta
	}
	out := mcp.Meta{}
	maps.Copy(out, meta)
	level, _ := upstream[mcp.MetaKeyLogLevel].(string)
	if level == "" {
		g.mu.Lock()
		level = string(g.levels[ss])
		g.mu.Unlock()
	}
	if level != "" {
		out[mcp.MetaKeyLogLevel] = level
	}
	out[mcp.MetaKeyClientCapabilities] = capabilitiesOf(ss, upstream)
	return out
}

// capabilitiesOf is what a client said it can do, in the request's _meta
// (stateless revisions) or else when it initialized, of what the gateway
// passes on: roots, sampling and elicitation. Anything else it declared
// (tasks, extensions) the gateway does not carry, so a server is not told
// of it.
func capabilitiesOf(ss *mcp.ServerSession, upstream mcp.Meta) map[string]any {
	declared, inMeta := upstream[mcp.MetaKeyClientCapabilities]
	var initialized *mcp.ClientCapabilities
	if !inMeta && ss != nil {
		if p := ss.InitializeParams(); p != nil {
			initialized, declared = p.Capabilities, p.Capabilities
		}
	}
	var all map[string]any
	if b, err := json.Marshal(declared); err == nil {
		json.Unmarshal(b, &all)
	}
	out := map[string]any{}
	for _, k := range []string{"roots", "sampling", "elicitation"} {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	if initialized != nil && initialized.RootsV2 == nil {
		delete(out, "roots") // always marshalled; declared only if RootsV2 is set
	}
	return out
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
