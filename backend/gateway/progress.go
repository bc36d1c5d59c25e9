package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Progress a server reports goes to the client request it is about, on
// that request's own stream (over HTTP, the request's response stream, so
// a client need not keep a stream of its own open), and before the
// request's result. The SDK hands notifications to their handler apart
// from responses, so a result could overtake the last progress before it:
// progress is counted as it is read off the wire (Process.Transport's
// seen), in order with the answers, and a request's end waits until what
// was read is passed on. A server's log messages are counted alike: they
// are routed by the requests in flight (see passLog).

// progressGrace is how long a finished request's progress token still
// routes, for progress that comes too late to be waited for.
const progressGrace = 10 * time.Second

// progressWait bounds a request's wait for its progress to be passed on.
const progressWait = 5 * time.Second

// progressRoute maps a gateway-issued progress token back to the client
// request it stands for and the token that client chose: clients pick
// tokens independently, so two may use the same one.
type progressRoute struct {
	key     string // the gateway's token
	session *mcp.ServerSession
	ctx     context.Context // the client request's: it names the stream to send on
	token   any
	tally   tally // of its progress
}

// tally counts notifications of one kind read off the wire and those
// handled, so that a request's end can wait for those read before its
// answer (see awaitPassed). Guarded by Gateway.mu.
type tally struct {
	read, passed int
	passing      chan struct{} // made by a waiter, closed as passed grows
}

func (g *Gateway) noteRead(t *tally) {
	g.mu.Lock()
	t.read++
	g.mu.Unlock()
}

func (g *Gateway) notePassed(t *tally) {
	g.mu.Lock()
	t.passed++
	if t.passing != nil {
		close(t.passing)
		t.passing = nil
	}
	g.mu.Unlock()
}

// awaitPassed waits, at most progressWait, until the notifications t had
// read when called have been handled. Most calls find nothing to wait
// for, and cost a lock and no timer.
func (g *Gateway) awaitPassed(ctx context.Context, t *tally) {
	var timeout <-chan time.Time
	g.mu.Lock()
	defer g.mu.Unlock()
	for target := t.read; t.passed < target; {
		if t.passing == nil {
			t.passing = make(chan struct{})
		}
		passing := t.passing
		if timeout == nil {
			timer := time.NewTimer(progressWait)
			defer timer.Stop()
			timeout = timer.C
		}
		g.mu.Unlock()
		select {
		case <-passing:
		case <-timeout:
			g.mu.Lock()
			return
		case <-ctx.Done():
			g.mu.Lock()
			return
		}
		g.mu.Lock()
	}
}

// routeProgress swaps the progress token in meta, if any, for one of the
// gateway's that routes to the client request of ctx.
func (g *Gateway) routeProgress(ctx context.Context, ss *mcp.ServerSession, meta mcp.Meta) (mcp.Meta, *progressRoute) {
	t, ok := meta["progressToken"]
	if !ok || t == nil {
		return meta, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextToken++
	r := &progressRoute{key: "bulkhead-" + strconv.FormatUint(g.nextToken, 10), session: ss, ctx: ctx, token: t}
	g.progress[r.key] = r
	meta = maps.Clone(meta)
	meta["progressToken"] = r.key
	return meta, r
}

// forgetProgress drops a finished request's route after progressGrace.
func (g *Gateway) forgetProgress(r *progressRoute) {
	time.AfterFunc(progressGrace, func() {
		g.mu.Lock()
		delete(g.progress, r.key)
		g.mu.Unlock()
	})
}

// passProgress passes a server's progress on to the client request its
// token routes to, screened and within the server's flood budget.
func (g *Gateway) passProgress(d *downstream, params *mcp.ProgressNotificationParams) {
	key, _ := params.ProgressToken.(string)
	g.mu.Lock()
	r := g.progress[key]
	g.mu.Unlock()
	if r == nil {
		return
	}
	defer g.notePassed(&r.tally)
	p := *params
	if !d.admit() || !g.screenNotice(d, "progress message", []textSlot{{p.Message, func(s string) { p.Message = s }}}) {
		return
	}
	p.ProgressToken = r.token
	// The request's context names its stream; one that came too late for
	// its request's wait is still sent, if that stream takes it.
	r.session.NotifyProgress(context.WithoutCancel(r.ctx), &p)
}

// sawMessage counts a message server d sent, as read off the wire, if it
// is a log message or progress for one of the gateway's routes.
func (g *Gateway) sawMessage(d *downstream, msg []byte) {
	if !bytes.Contains(msg, []byte(`"notifications/message"`)) && !bytes.Contains(msg, []byte(`"notifications/progress"`)) {
		return
	}
	var n struct {
		Method string `json:"method"`
		Params struct {
			Token any `json:"progressToken"`
		} `json:"params"`
	}
	if json.Unmarshal(msg, &n) != nil {
		return
	}
	switch n.Method {
	case "notifications/message":
		g.noteRead(&d.logs)
	case "notifications/progress":
		key, _ := n.Params.Token.(string)
		g.mu.Lock()
		if r := g.progress[key]; r != nil {
			r.tally.read++
		}
		g.mu.Unlock()
	}
}

// seeingEvents has seen hear of each message of the server-sent event
// streams rt's responses carry, as the client reads them; nil seen leaves
// rt as it is.
func seeingEvents(rt http.RoundTripper, seen func([]byte)) http.RoundTripper {
	if seen == nil {
		return rt
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			resp.Body = &eventReader{ReadCloser: resp.Body, seen: seen}
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// eventReader passes a stream of server-sent events on as it is, handing
// each data line to seen. A line longer than maxSeenLine is not handed on:
// seen looks for small messages (progress), and the rest of the stream is
// read by the SDK.
type eventReader struct {
	io.ReadCloser
	seen     func([]byte)
	line     []byte
	overlong bool
}

const maxSeenLine = 64 << 10

func (e *eventReader) Read(p []byte) (int, error) {
	n, err := e.ReadCloser.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			e.keep(rest)
			break
		}
		e.keep(rest[:i])
		if data, ok := bytes.CutPrefix(e.line, []byte("data:")); ok && !e.overlong {
			e.seen(bytes.TrimSpace(data))
		}
		e.line, e.overlong, rest = e.line[:0], false, rest[i+1:]
	}
	return n, err
}

func (e *eventReader) keep(b []byte) {
	if len(e.line)+len(b) > maxSeenLine {
		e.overlong = true
		return
	}
	e.line = append(e.line, b...)
}
