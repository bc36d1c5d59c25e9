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
	onBad   func(code int, msg string, sample []byte)
	pending []byte
}

// Guard wraps a stream; onBad hears of each dropped line.
func Guard(r io.Reader, max int, onBad func(code int, msg string, sample []byte)) io.ReadCloser {
	return &guard{r: bufio.NewReaderSize(r, 64<<10), max: max, onBad: onBad}
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

// next returns the next acceptable line, newline included.
func (g *guard) next() ([]byte, error) {
	for {
		line, tooLong, err := g.readLine()
		if err != nil && len(line) == 0 && !tooLong {
			return nil, err
		}
		trimmed := bytes.TrimSpace(line)
		switch {
		case tooLong:
			g.onBad(CodeInvalidRequest, fmt.Sprintf("message larger than %d bytes", g.max), line[:min(len(line), 200)])
		case len(trimmed) == 0:
		case !json.Valid(trimmed):
			g.onBad(CodeParseError, "parse error: the message is not valid JSON", trimmed[:min(len(trimmed), 200)])
		case trimmed[0] != '{':
			g.onBad(CodeInvalidRequest, "invalid request: a message must be one JSON object (batches are not supported)", trimmed[:min(len(trimmed), 200)])
		default:
			return append(trimmed, '\n'), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readLine reads up to the next newline, keeping at most max bytes besides
// it; a longer line is read to its end and reported as too long.
func (g *guard) readLine() (line []byte, tooLong bool, err error) {
	for {
		chunk, err := g.r.ReadSlice('\n')
		if !tooLong {
			n := len(line) + len(chunk)
			if bytes.HasSuffix(chunk, []byte{'\n'}) {
				n-- // the cap is on the message, not its line ending
			}
			if n > g.max {
				tooLong = true
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

// StreamTransport serves MCP on a client's stdin and stdout: bad lines are
// answered with a JSON-RPC error (id null) and the session carries on.
func StreamTransport(in io.Reader, out io.Writer) mcp.Transport {
	w := &lineWriter{mu: &sync.Mutex{}, w: out}
	reply := func(code int, msg string, _ []byte) {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}})
		w.Write(append(b, '\n'))
	}
	return &mcp.IOTransport{Reader: Guard(in, MaxMessageBytes, reply), Writer: w}
}
