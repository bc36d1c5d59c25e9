package sandbox

import (
	"context"
	"testing"
	"time"
)

// TestGracesShareANearDeadline: a stop with time to spare gets the usual
// graces; one whose deadline is nearer splits what is left (less the time
// a kill takes) between the input and SIGTERM, so the kill comes in time.
func TestGracesShareANearDeadline(t *testing.T) {
	in := func(d time.Duration) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		t.Cleanup(cancel)
		return ctx
	}
	if input, term := graces(context.Background()); input != stdinGrace || term != termGrace {
		t.Errorf("no deadline: %v, %v", input, term)
	}
	if input, term := graces(in(time.Minute)); input != stdinGrace || term != termGrace {
		t.Errorf("a minute: %v, %v", input, term)
	}
	input, term := graces(in(2500 * time.Millisecond))
	if share := (2500*time.Millisecond - killTime) / 2; input != term || input > share || input < share-100*time.Millisecond {
		t.Errorf("2.5s: %v, %v; want %v each", input, term, share)
	}
	if input, term := graces(in(-time.Second)); input != 0 || term != 0 {
		t.Errorf("past: %v, %v", input, term)
	}
}
