package egress

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Inside the sandbox every granted name resolves to the proxy, so a client
// that ignores the proxy settings (Node's fetch does) connects to the proxy
// on the granted port. The proxy routes such a connection by the name it
// carries, TLS by the ClientHello's server name (SNI) and plain HTTP by
// each request's Host header, to that name on that port if it is granted,
// and refuses anything else.

// sniffTimeout bounds how long a connection may take to say where it goes.
const sniffTimeout = 10 * time.Second

// Named are the grants by name, the ones a sandbox resolves to its proxy.
// An address granted as such has no name to point at the proxy and no
// route from the sandbox: it is reached through the proxy settings only.
func Named(grants []catalog.HostPort) []catalog.HostPort {
	var named []catalog.HostPort
	for _, g := range grants {
		if _, err := netip.ParseAddr(g.Host); err != nil {
			named = append(named, g)
		}
	}
	return named
}

// Ports are where the proxy listens: Port for the proxy settings, and each
// port granted by name.
func Ports(grants []catalog.HostPort) []int {
	ports := []int{Port}
	for _, g := range Named(grants) {
		ports = append(ports, g.Port)
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

// Serve runs the proxy on every listener until one fails: connections by
// name are routed, and HTTP goes to one HTTP server, the proxy settings'.
func (p *Proxy) Serve(listeners []net.Listener) error {
	httpConns := &connQueue{conns: make(chan net.Conn), done: make(chan struct{}), addr: listeners[0].Addr()}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10}
	failed := make(chan error, len(listeners)+1)
	go func() { failed <- srv.Serve(httpConns) }()
	for _, l := range listeners {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					failed <- err
					return
				}
				go p.route(c, httpConns)
			}
		}()
	}
	err := <-failed
	for _, l := range listeners {
		l.Close()
	}
	srv.Close()
	return err
}

// route looks at how a connection starts: TLS is passed by its server
// name, HTTP goes to the HTTP server, and anything else is refused, as
// there is no name to route it by.
func (p *Proxy) route(c net.Conn, httpConns *connQueue) {
	port := portOf(c.LocalAddr())
	c.SetReadDeadline(time.Now().Add(sniffTimeout))
	in := bufio.NewReader(c)
	switch first, err := in.Peek(1); {
	case err == nil && first[0] == 0x16: // a TLS handshake record
		p.passTLS(c, in, port)
	case err == nil && startsLikeHTTP(in):
		c.SetReadDeadline(time.Time{})
		httpConns.push(&readConn{Conn: c, r: in})
	default:
		c.Close()
		p.record(Event{Time: time.Now().UTC(), Method: "TCP", Port: port,
			Reason: fmt.Sprintf("a connection to port %d that is neither TLS nor HTTP: without a name to route by, only the proxy settings reach a destination", port)})
	}
}

// startsLikeHTTP says whether the input begins with a request method.
func startsLikeHTTP(in *bufio.Reader) bool {
	for n := 1; n <= 16; n++ {
		b, err := in.Peek(n)
		if err != nil {
			return false
		}
		switch c := b[n-1]; {
		case c == ' ':
			return n > 1
		case c < 'A' || c > 'Z':
			return false
		}
	}
	return false
}

// passTLS reads the ClientHello, dials its server name on port if that is
// granted, and passes the connection through, the ClientHello first.
func (p *Proxy) passTLS(c net.Conn, in io.Reader, port int) {
	defer c.Close()
	hello, name := readClientHello(c, in)
	c.SetReadDeadline(time.Time{})
	if name == "" {
		p.record(Event{Time: time.Now().UTC(), Method: "TLS", Port: port,
			Reason: "a TLS connection without a server name (SNI): the proxy passes TLS by name only"})
		return
	}
	up, err := p.dial(context.Background(), "TLS", net.JoinHostPort(name, strconv.Itoa(port)))
	if err != nil {
		return
	}
	defer up.Close()
	if _, err := up.Write(hello); err != nil {
		return
	}
	splice(c, in, up)
}

// readClientHello reads a TLS ClientHello from in with the standard TLS
// server, which stops once it has the server name. It returns what it read,
// to replay to the destination, and the name ("" if none could be read).
func readClientHello(c net.Conn, in io.Reader) ([]byte, string) {
	var read bytes.Buffer
	name := ""
	tls.Server(&readConn{Conn: c, r: io.TeeReader(in, &read), readOnly: true}, &tls.Config{
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			name = h.ServerName
			return nil, errHelloRead
		},
	}).Handshake()
	return read.Bytes(), name
}

var errHelloRead = errors.New("the ClientHello is read")

// byHost serves a request that came by a granted name: it goes to its Host
// header's name, on the port it came to.
func (p *Proxy) byHost(w http.ResponseWriter, r *http.Request) {
	port := 0
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		port = portOf(a)
	}
	host := &url.URL{Host: r.Host}
	why := ""
	switch {
	case host.Hostname() == "":
		why = "an HTTP request without a Host header: the proxy passes requests by name only"
	case host.Port() != "" && host.Port() != strconv.Itoa(port):
		why = fmt.Sprintf("a request for %s that came to port %d", r.Host, port)
	}
	if why != "" {
		p.record(Event{Time: time.Now().UTC(), Method: r.Method, Host: host.Hostname(), Port: port, Reason: why})
		http.Error(w, "Bulkhead egress proxy refused: "+why, http.StatusForbidden)
		return
	}
	r.URL.Scheme, r.URL.Host = "http", net.JoinHostPort(host.Hostname(), strconv.Itoa(port))
	ctx := context.WithValue(r.Context(), methodKey{}, r.Method)
	p.forward.ServeHTTP(w, r.WithContext(ctx))
}

func portOf(a net.Addr) int {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return int(ap.Port())
	}
	return 0
}

// readConn reads through r, which has what was peeked at; a read-only one
// writes nothing, so the TLS server reading a ClientHello answers nothing.
type readConn struct {
	net.Conn
	r        io.Reader
	readOnly bool
}

func (c *readConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func (c *readConn) Write(b []byte) (int, error) {
	if c.readOnly {
		return 0, io.ErrClosedPipe
	}
	return c.Conn.Write(b)
}

// connQueue is a listener of the connections route found to be HTTP.
type connQueue struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	addr  net.Addr
}

func (q *connQueue) push(c net.Conn) {
	select {
	case q.conns <- c:
	case <-q.done:
		c.Close()
	}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return q.addr }
