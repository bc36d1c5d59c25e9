package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxMessageBytes caps one JSON-RPC message on a stream, as the HTTP body
// cap does for HTTP.
const MaxMessageBytes = mcp.DefaultMaxRequestBodyBytes

// guard reads a newline-delimited JSON-RPC stream and passes on only lines
// that are JSON objects within the size cap. The SDK's stream transport ends
// the whole session at the first line it cannot decode; with the guard a bad
// line is reported through onBad and dropped, and the session goes on.
type guard struct {
	r       *bufio.Reader
	max     int
	onBad   func(Dropped) []byte
	seen    func(msg []byte) // hears of each line passed on, if set
	pending []byte
}

// Dropped is a line the guard did not pass on.
type Dropped struct {
	Code   int    // CodeParseError or CodeInvalidRequest
	Reason string // what was wrong with it
	Sample []byte // its first 200 bytes at most
	// ID is the message's id as written, when one could be read, and
	// Request says it had a method: a request, or a notification if it
	// had no id too. A response the guard drops is one a caller waits for.
	ID      json.RawMessage
	Request bool
}

// Guard wraps a stream; onBad hears of each dropped line, and what it
// returns (a whole line, or nothing) is passed on in its place.
func Guard(r io.Reader, max int, onBad func(Dropped) []byte) io.ReadCloser {
	return newGuard(r, max, onBad, nil)
}

// newGuard is Guard whose seen, if not nil, hears of each line passed on.
func newGuard(r io.Reader, max int, onBad func(Dropped) []byte, seen func([]byte)) *guard {
	return &guard{r: bufio.NewReaderSize(r, 64<<10), max: max, onBad: onBad, seen: seen}
}

func (g *guard) Read(p []byte) (int, error) {
	for len(g.pending) == 0 {
		line, err := g.next()
		if err != nil {
			return 0, err
		}
		g.pending = line
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

func (g *guard) Close() error { return nil }

// next returns the next acceptable line, newline included, or what onBad
// put in the place of one that was not.
func (g *guard) next() ([]byte, error) {
	for {
		var env envelope
		line, tooLong, err := g.readLine(&env)
		if err != nil && len(line) == 0 && !tooLong {
			return nil, err
		}
		trimmed := bytes.TrimSpace(line)
		bad := Dropped{Sample: trimmed[:min(len(trimmed), 200)]}
		switch {
		case tooLong:
			bad.Code, bad.Reason = CodeInvalidRequest, fmt.Sprintf("message larger than %d bytes", g.max)
		case len(trimmed) == 0:
		case !json.Valid(trimmed):
			env.feed(trimmed) // too deep, or broken: its id may still be readable
			bad.Code, bad.Reason = CodeParseError, "parse error: the message is not valid JSON (or nests deeper than the gateway reads)"
		case trimmed[0] != '{':
			bad.Code, bad.Reason = CodeInvalidRequest, "invalid request: a message must be one JSON object (batches are not supported)"
		default:
			if g.seen != nil {
				g.seen(trimmed)
			}
			return append(trimmed, '\n'), nil
		}
		if bad.Code != 0 {
			bad.ID, bad.Request = env.id, env.method
			if instead := g.onBad(bad); len(instead) > 0 {
				return instead, nil // err, if any, comes with the next read
			}
		}
		if err != nil {
			return nil, err
		}
	}
}

// readLine reads up to the next newline, keeping at most max bytes besides
// it; a longer line is read to its end, through env, and reported as too
// long.
func (g *guard) readLine(env *envelope) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := g.r.ReadSlice('\n')
		if tooLong {
			env.feed(chunk)
		}
		if !tooLong {
			n := len(line) + len(chunk)
			if bytes.HasSuffix(chunk, []byte{'\n'}) {
				n-- // the cap is on the message, not its line ending
			}
			if n > g.max {
				tooLong = true
				env.feed(line)
				env.feed(chunk)
				line = append(line, chunk[:min(len(chunk), 200)]...)
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

// lineWriter writes whole lines atomically, so replies from the guard never
// land in the middle of a message the SDK is writing.
type lineWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if i := bytes.LastIndexByte(l.buf, '\n'); i >= 0 {
		if _, err := l.w.Write(l.buf[:i+1]); err != nil {
			return 0, err
		}
		l.buf = append(l.buf[:0], l.buf[i+1:]...)
	}
	return len(p), nil
}

func (l *lineWriter) Close() error { return nil }

// StreamTransport serves MCP on a client's stdin and stdout: a bad line is
// answered with a JSON-RPC error (for its id, when it had one that could
// be read; else id null) and the session carries on.
func StreamTransport(in io.Reader, out io.Writer) mcp.Transport {
	w := &lineWriter{mu: &sync.Mutex{}, w: out}
	reply := func(bad Dropped) []byte {
		if bad.Request || bad.ID == nil {
			w.Write(errorLine(bad.ID, bad.Code, bad.Reason))
		}
		return nil
	}
	return &mcp.IOTransport{Reader: Guard(in, MaxMessageBytes, reply), Writer: w}
}

// errorLine is a JSON-RPC error response for id (null when nil), newline
// ended.
func errorLine(id json.RawMessage, code int, msg string) []byte {
	var anyID any
	if id != nil && json.Valid(id) {
		anyID = id
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": anyID, "error": map[string]any{"code": code, "message": msg}})
	return append(b, '\n')
}
