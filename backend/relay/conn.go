package relay

import (
	"io"
	"net"
	"sync"
	"time"
)

// streamConn is a net.Conn over a reader and a writer, such as a process's
// stdio. It has no addresses and no deadlines: HTTP/2 runs its own flow
// control and the MCP session above it its own timeouts.
type streamConn struct {
	io.Reader
	io.Writer
	closeOnce sync.Once
	close     func() error
	closed    chan struct{}
}

func newStreamConn(r io.Reader, w io.Writer, close func() error) *streamConn {
	return &streamConn{Reader: r, Writer: w, close: close, closed: make(chan struct{})}
}

func (c *streamConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.close()
		close(c.closed)
	})
	return err
}

func (c *streamConn) LocalAddr() net.Addr              { return stdioAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return stdioAddr{} }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

type stdioAddr struct{}

func (stdioAddr) Network() string { return "stdio" }
func (stdioAddr) String() string  { return "stdio" }

// oneConnListener hands out a single connection, then reports itself closed
// once that connection is.
type oneConnListener struct {
	conn *streamConn
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.conn.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { return l.conn.Close() }
func (l *oneConnListener) Addr() net.Addr { return stdioAddr{} }
