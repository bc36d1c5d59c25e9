package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/bulkhead-dev/bulkhead/backend/egress"
)

// OnEgress receives every connection a server's egress proxy allowed or
// refused, for the audit log. Set it before launching.
func (e *Engine) OnEgress(record func(server string, ev egress.Event)) { e.onEgress = record }

// egressLog reads the proxy's events (JSON lines on its stdout), notes each
// in the server's log and passes it to the OnEgress hook.
func (e *Engine) egressLog(server string, log *ServerLog) io.WriteCloser {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var ev egress.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				fmt.Fprintf(log, "bulkhead: egress proxy: %s\n", sc.Bytes())
				continue
			}
			verdict := "allowed"
			if !ev.Allowed {
				verdict = "refused"
			}
			fmt.Fprintf(log, "bulkhead: egress %s %s %s:%d %s %s\n", verdict, ev.Method, ev.Host, ev.Port, ev.Address, ev.Reason)
			if e.onEgress != nil {
				e.onEgress(server, ev)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return eventPipe{pw, done}
}

// eventPipe's Close returns once every event written has been handled.
type eventPipe struct {
	*io.PipeWriter
	done chan struct{}
}

func (p eventPipe) Close() error {
	p.PipeWriter.Close()
	<-p.done
	return nil
}
