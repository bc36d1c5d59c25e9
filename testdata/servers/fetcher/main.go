// Command fetcher is an MCP stdio server for Bulkhead's tests whose one
// tool makes HTTP and HTTPS requests, either through the proxy the
// environment names or, as Node's built-in fetch does, ignoring it and
// dialing the URL's host directly.
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type request struct {
	URL   string `json:"url" jsonschema:"an http:// or https:// URL to GET"`
	Proxy bool   `json:"proxy,omitempty" jsonschema:"go through HTTP(S)_PROXY, as most clients do; otherwise ignore it"`
	Host  string `json:"host,omitempty" jsonschema:"a Host header to send instead of the URL's"`
	SNI   string `json:"sni,omitempty" jsonschema:"a TLS server name to send instead of the URL's host; - sends none"`
}

type fetchIn struct {
	Requests []request `json:"requests"`
}

// Result is one request: whether it got a 200, and what came back.
type Result struct {
	Worked bool   `json:"worked"`
	Detail string `json:"detail"`
}

type fetchOut struct {
	Results []Result `json:"results"`
}

func main() {
	s := mcp.NewServer(&mcp.Implementation{Name: "fetcher", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "fetch", Description: "GETs each URL and reports what came back."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in fetchIn) (*mcp.CallToolResult, fetchOut, error) {
			var out fetchOut
			for _, r := range in.Requests {
				out.Results = append(out.Results, fetch(ctx, r))
			}
			return nil, out, nil
		})
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}

func fetch(ctx context.Context, r request) Result {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// The destinations are the tests' own, with certificates nobody
	// signed: what they answer says whom the client reached.
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	if r.Proxy {
		tr.Proxy = http.ProxyFromEnvironment
	}
	switch r.SNI {
	case "":
	case "-":
		tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) // no ServerName: no SNI
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			return tc, nil
		}
	default:
		tr.TLSClientConfig.ServerName = r.SNI
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return Result{Detail: err.Error()}
	}
	if r.Host != "" {
		req.Host = r.Host
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return Result{Detail: err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return Result{Worked: resp.StatusCode == http.StatusOK, Detail: fmt.Sprintf("%d %s", resp.StatusCode, body)}
}
