// Package relay carries HTTP between the gateway and an MCP server that
// speaks streamable HTTP inside its sandbox, without publishing a port:
// a helper container on the server's private network proxies to it, and
// the gateway reaches the helper over the helper's attached stdio. That one
// byte stream carries HTTP/2 (cleartext, prior knowledge), so the MCP
// client's concurrent POSTs and its listening GET share it as streams.
package relay

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// maxStreams bounds the requests in flight over one relay. The client waits
// for a free stream rather than dialing a second connection, which a relay
// does not have.
const maxStreams = 1000

// startupWait is how long a request waits for a server that does not yet
// accept connections: it is still starting.
const startupWait = 30 * time.Second

func h2cOnly() *http.Protocols {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return p
}

// Serve answers HTTP/2 on the stream made of r and w and proxies every
// request to target (scheme and host; the request's path is kept), naming
// localhost and target's port as its Host: a server's guard against DNS
// rebinding (the TypeScript SDK's, by default) accepts only a loopback
// Host, and the name the server is dialed by on its network is no concern
// of its own. It returns when the stream ends.
func Serve(r io.Reader, w io.Writer, target *url.URL) error {
	host := "localhost"
	if port := target.Port(); port != "" {
		host += ":" + port
	}
	upstream := &http.Transport{
		Proxy:               nil, // the server is on this network; nothing else is reachable
		DialContext:         dialWhenReady,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     time.Minute,
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = host
		},
		Transport:     upstream,
		FlushInterval: -1, // server-sent events pass through as they come
	}
	srv := &http.Server{
		Handler:   proxy,
		Protocols: h2cOnly(),
		HTTP2:     &http.HTTP2Config{MaxConcurrentStreams: maxStreams},
	}
	conn := newStreamConn(r, w, func() error { return nil })
	err := srv.Serve(&oneConnListener{conn: conn})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// dialWhenReady dials the server, retrying while it refuses connections or
// its name is not yet known, as it does while it starts.
func dialWhenReady(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	deadline := time.Now().Add(startupWait)
	for {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil || time.Now().After(deadline) || !(errors.Is(err, syscall.ECONNREFUSED) || isNotFound(err)) {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func isNotFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// Client returns an HTTP client whose requests all travel over the stream
// made of r and w, whatever their URL's host. Closing the client's idle
// connections does not end the stream; close w for that.
func Client(r io.Reader, w io.WriteCloser) *http.Client {
	conn := newStreamConn(r, w, w.Close)
	var used atomic.Bool
	tr := &http.Transport{
		Protocols: h2cOnly(),
		HTTP2:     &http.HTTP2Config{StrictMaxConcurrentRequests: true},
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			// One stream, one connection: once it is gone the server is.
			if used.Swap(true) {
				return nil, errors.New("the relay to the server has closed")
			}
			return conn, nil
		},
	}
	return &http.Client{Transport: tr}
}
