package api

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/internal/poll"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Event names on the stream; each says which list to fetch again.
const (
	EventApprovals = "approvals"
	EventAudit     = "audit"
	EventChanges   = "changes"
	EventServers   = "servers"
	EventSettings  = "settings"
	EventEgress    = "egress"
)

// hub watches the shared state (other processes change it too: a gateway
// holds a call, the CLI decides one) and tells every stream what changed.
type hub struct {
	st *store.Store
	// servers fingerprints the servers' state, which lives partly in the
	// engine (a container started, crashed or gone with the engine); it is
	// read only while someone is watching.
	servers func(context.Context) string

	mu   sync.Mutex
	subs map[chan string]struct{}
}

func newHub(st *store.Store, servers func(context.Context) string) *hub {
	return &hub{st: st, servers: servers, subs: map[chan string]struct{}{}}
}

func (h *hub) run(ctx context.Context, every time.Duration) {
	last, _ := h.st.Marks(ctx)
	lastServers := ""
	poll.Every(ctx, every, func(ctx context.Context) {
		if h.watched() {
			if now := h.servers(ctx); now != lastServers {
				if lastServers != "" {
					h.publish(EventServers)
				}
				lastServers = now
			}
		} else {
			lastServers = "" // a stream starts with "ready", which fetches everything
		}
		now, err := h.st.Marks(ctx)
		if err != nil {
			return
		}
		if now.Approvals != last.Approvals {
			h.publish(EventApprovals)
		}
		if now.Audit != last.Audit {
			h.publish(EventAudit)
		}
		if now.Egress != last.Egress {
			h.publish(EventEgress)
		}
		if now.Changes != last.Changes {
			h.publish(EventChanges)
			h.publish(EventServers) // a server's status shows what is withheld
		}
		last = now
	})
}

// publish tells every subscriber; one that is behind already has a
// "fetch again" queued, so dropping is safe.
func (h *hub) publish(event string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- event:
		default:
		}
	}
}

func (h *hub) watched() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

func (h *hub) subscribe() (<-chan string, func()) {
	ch := make(chan string, 16)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// keepAlive is how often an idle stream sends a comment, so proxies and
// the client notice a dead connection.
const keepAlive = 15 * time.Second

// streamEvents serves server-sent events: "ready" at once, then the name of
// each list that changed.
func (a *API) streamEvents(c *gin.Context) {
	events, unsubscribe := a.events.subscribe()
	defer unsubscribe()
	c.Header("Content-Type", "text/event-stream")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.SSEvent("ready", "{}")
	c.Writer.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	c.Stream(func(w io.Writer) bool {
		select {
		case <-c.Request.Context().Done():
			return false
		case ev := <-events:
			c.SSEvent(ev, "{}")
		case <-tick.C:
			io.WriteString(w, ": keep-alive\n\n")
		}
		return true
	})
}
