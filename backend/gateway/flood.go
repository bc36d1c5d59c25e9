package gateway

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// What one server may send its clients unasked: enough for chatty progress
// and logs, not a flood that crowds out every other server and client.
const (
	notifyRate  = 100 // notifications per second, sustained
	notifyBurst = 200
	// resyncGap spaces re-listings: a server announcing list changes in a
	// loop costs one re-list per gap, not one per announcement.
	resyncGap = 250 * time.Millisecond
	// floodWarnEvery bounds how often a flood is reported.
	floodWarnEvery = 10 * time.Second
)

// floodGate limits the notifications one server sends upstream.
type floodGate struct {
	limiter *rate.Limiter

	mu       sync.Mutex
	dropped  int
	warnedAt time.Time
}

func newFloodGate() *floodGate {
	return &floodGate{limiter: rate.NewLimiter(notifyRate, notifyBurst)}
}

// admit says whether one more notification may pass; the excess is dropped
// and counted, and reported now and then.
func (d *downstream) admit() bool {
	f := d.flood
	if f.limiter.Allow() {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped++
	if time.Since(f.warnedAt) >= floodWarnEvery {
		d.g.log.Warn("server is flooding notifications; dropping the excess", "server", d.name,
			"limit_per_second", notifyRate, "dropped", f.dropped)
		f.warnedAt, f.dropped = time.Now(), 0
	}
	return false
}

// listChanged re-lists the server after it announced a change. Announcements
// that arrive while a re-list runs, or within resyncGap of one, are folded
// into a single further re-list.
func (d *downstream) listChanged() {
	d.mu.Lock()
	if d.resyncing {
		d.resyncPending = true
		d.mu.Unlock()
		return
	}
	d.resyncing = true
	d.mu.Unlock()
	go func() {
		for {
			d.resync()
			time.Sleep(resyncGap)
			d.mu.Lock()
			if !d.resyncPending {
				d.resyncing = false
				d.mu.Unlock()
				return
			}
			d.resyncPending = false
			d.mu.Unlock()
		}
	}()
}
