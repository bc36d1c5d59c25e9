// Command conformance is an MCP server for the official conformance suite
// (npm @modelcontextprotocol/conformance, pinned in testdata/npm/conformance):
// it offers the tools, prompts, resources and utilities the suite's server
// scenarios call for, at the 2025-06-18, 2025-11-25 and 2026-07-28
// revisions, so the suite can be run against it directly and through the
// gateway with it sandboxed.
//
// It speaks stdio by default, as the gateway runs it in its container, or
// streamable HTTP at /mcp with --http ADDR.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// statelessFrom is the first revision without sessions: its requests carry
// everything in _meta and go to the stateless handler.
const statelessFrom = "2026-07-28"

func main() {
	s := newServer()
	go touchWatched(context.Background(), s, 3*time.Second)
	if len(os.Args) >= 3 && os.Args[1] == "--http" {
		fmt.Fprintln(os.Stderr, "conformance: serving MCP over HTTP on", os.Args[2], "at /mcp")
		log.Fatal(http.ListenAndServe(os.Args[2], mcpMux(s)))
	}
	fmt.Fprintln(os.Stderr, "conformance: serving MCP on stdio")
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}

func newServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "bulkhead-conformance", Version: "1.0.0"}, &mcp.ServerOptions{
		Instructions:       "A server for the MCP conformance suite's server scenarios.",
		CompletionHandler:  complete,
		SubscribeHandler:   subscribe,
		UnsubscribeHandler: unsubscribe,
	})
	addContentTools(s)
	addNotifyingTools(s)
	addAskingTools(s)
	addStatelessTools(s)
	addInputRequiredTools(s, newSealer())
	addPendingTools(s)
	addResources(s)
	addPrompts(s)
	return s
}

// mcpMux serves /mcp with two SDK handlers: one SDK handler cannot serve both
// eras, since a stateful one refuses 2026-07-28 requests and a stateless one
// serves earlier revisions without their sessions (no sampling, elicitation
// or GET stream). A request at 2026-07-28 or later with no session goes to
// the stateless one, everything else to the stateful one.
//
// Both keep the SDK's DNS-rebinding guard: reached on loopback, a request
// whose Host is not a loopback name is refused (403). The gateway reaches
// the server in its container with Host localhost:PORT, which passes.
func mcpMux(s *mcp.Server) http.Handler {
	get := func(*http.Request) *mcp.Server { return s }
	// The stateful handler keeps its streams so a client whose stream drops
	// (or is closed by test_reconnection) resumes it with Last-Event-ID.
	stateful := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{SessionTimeout: time.Hour,
		EventStore: mcp.NewMemoryEventStore(nil)})
	stateless := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{Stateless: true, PropagateRequestCancellation: true})
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mcp-Session-Id") == "" && r.Header.Get("Mcp-Protocol-Version") >= statelessFrom {
			stateless.ServeHTTP(w, r)
			return
		}
		stateful.ServeHTTP(w, r)
	})
	return mux
}
