// Package egress is the allow-list proxy that is a sandbox's only way out.
// It runs in a helper container on the server's internal network and on an
// outside one, and passes HTTP requests and CONNECT tunnels to the granted
// host:port pairs only, as well as connections that came by a granted name
// without the proxy settings (route.go). It resolves names itself, after checking the grant,
// so an ungranted name is never even looked up, and it dials the address it
// checked, so a name cannot be re-pointed between check and use.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

const dialTimeout = 10 * time.Second

// Event is one connection the proxy allowed or refused.
type Event struct {
	Time    time.Time `json:"time"`
	Method  string    `json:"method"` // CONNECT, or the HTTP method
	Host    string    `json:"host"`
	Port    int       `json:"port"`
	Address string    `json:"address,omitempty"` // the address dialed
	Allowed bool      `json:"allowed"`
	Reason  string    `json:"reason,omitempty"` // why it was refused or failed
}

// Proxy passes traffic to the granted destinations only.
type Proxy struct {
	allow map[catalog.HostPort]bool
	// granted are the addresses granted as such, with their port.
	granted map[netip.AddrPort]bool
	// host are the Docker host's own addresses, which no name may lead to.
	host     map[netip.Addr]bool
	resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
	// connect dials an address that passed the checks.
	connect func(ctx context.Context, network, address string) (net.Conn, error)
	record  func(Event)
	forward *httputil.ReverseProxy
}

// New makes a proxy for grants, refusing names that lead to one of host,
// the Docker host's own addresses; record receives every event, one at a
// time.
func New(grants []catalog.HostPort, host []netip.Addr, record func(Event)) *Proxy {
	p := &Proxy{allow: map[catalog.HostPort]bool{}, granted: map[netip.AddrPort]bool{}, host: map[netip.Addr]bool{}, resolver: net.DefaultResolver,
		connect: (&net.Dialer{Timeout: dialTimeout}).DialContext}
	for _, g := range grants {
		p.allow[g] = true
		if a, err := netip.ParseAddr(g.Host); err == nil {
			p.granted[netip.AddrPortFrom(a.Unmap(), uint16(g.Port))] = true
		}
	}
	for _, a := range host {
		p.host[a.Unmap().WithZone("")] = true
	}
	var mu sync.Mutex
	p.record = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		record(e)
	}
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.Out.URL = pr.In.URL }, // absolute already
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				method, _ := ctx.Value(methodKey{}).(string)
				return p.dial(ctx, method, addr)
			},
			ForceAttemptHTTP2:     false,
			ResponseHeaderTimeout: 5 * time.Minute,
			// Each request dials, is checked and is recorded: none rides
			// on a connection another request opened.
			DisableKeepAlives: true,
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			refuse(w, err)
		},
	}
	return p
}

type methodKey struct{}

// ServeHTTP handles what the proxy settings send, CONNECT and
// absolute-form http:// requests, and origin-form requests, which came to a
// granted port by a granted name (byHost).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		p.byHost(w, r)
		return
	}
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "Bulkhead egress proxy: send absolute http:// URLs, or CONNECT for https", http.StatusBadRequest)
		return
	}
	host := r.URL.Host
	if r.URL.Port() == "" {
		host = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	r.URL.Host = host
	ctx := context.WithValue(r.Context(), methodKey{}, r.Method)
	p.forward.ServeHTTP(w, r.WithContext(ctx))
}

func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := p.dial(r.Context(), http.MethodConnect, r.Host)
	if err != nil {
		refuse(w, err)
		return
	}
	defer up.Close()
	down, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer down.Close()
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	splice(down, buf, up)
}

// splice copies both ways between down (read through from) and up until
// both directions end.
func splice(down net.Conn, from io.Reader, up net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, from); closeWrite(up); done <- struct{}{} }()
	go func() { io.Copy(down, up); closeWrite(down); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// refusal is a connection the grants do not allow.
type refusal struct{ why string }

func (r *refusal) Error() string { return r.why }

func refuse(w http.ResponseWriter, err error) {
	var no *refusal
	if errors.As(err, &no) {
		http.Error(w, "Bulkhead egress proxy refused: "+no.why, http.StatusForbidden)
		return
	}
	http.Error(w, "Bulkhead egress proxy: "+err.Error(), http.StatusBadGateway)
}

// dial checks hostport against the grants, resolves it and connects to an
// address that passed the checks.
func (p *Proxy) dial(ctx context.Context, method, hostport string) (conn net.Conn, err error) {
	ev := Event{Method: method, Host: hostport}
	defer func() {
		ev.Time, ev.Allowed = time.Now().UTC(), err == nil
		if err != nil {
			ev.Reason = err.Error()
		}
		p.record(ev)
	}()
	host, portStr, err := net.SplitHostPort(hostport)
	port, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil {
		return nil, &refusal{fmt.Sprintf("%q is not host:port", hostport)}
	}
	ev.Host, ev.Port = strings.ToLower(strings.TrimSuffix(host, ".")), port
	grant := catalog.HostPort{Host: ev.Host, Port: port}
	if !p.allow[grant] {
		return nil, &refusal{fmt.Sprintf("%s is not granted to this server", grant)}
	}
	addrs, err := p.addresses(ctx, grant)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		ev.Address = netip.AddrPortFrom(a, uint16(port)).String()
		if conn, err = p.connect(ctx, "tcp", ev.Address); err == nil {
			return conn, nil
		}
	}
	return nil, err
}

// addresses resolves a grant. An address granted as such is used as is; a
// name must resolve to public addresses that are not the Docker host's, and
// the others are dropped, unless a person granted that address and port too.
func (p *Proxy) addresses(ctx context.Context, grant catalog.HostPort) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(grant.Host); err == nil {
		return []netip.Addr{a}, nil
	}
	found, err := p.resolver.LookupNetIP(ctx, "ip", grant.Host)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %v", grant.Host, err)
	}
	var ok []netip.Addr
	why := ""
	for _, a := range found {
		a = a.Unmap()
		if p.granted[netip.AddrPortFrom(a, uint16(grant.Port))] {
			ok = append(ok, a)
			continue
		}
		r := reservedRange(a)
		if p.host[a.WithZone("")] {
			r = "an address of the Docker host itself"
		}
		if r != "" {
			why = fmt.Sprintf("%s resolves to %s, %s; grant that address itself if it is meant", grant.Host, a, r)
			continue
		}
		ok = append(ok, a)
	}
	if len(ok) == 0 {
		return nil, &refusal{why}
	}
	return ok, nil
}
