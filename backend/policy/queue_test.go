package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func call(i int) store.Approval {
	args := json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))
	return store.Approval{Server: "s", Tool: "t", Arguments: args, ArgsHash: ArgsHash(args), Client: "c", Session: "sess", Reason: "test"}
}

// TestManyHeldCallsAreEachDecidedOnce holds 1,000 calls at once and has
// two deciders race over every one: one in the gateway's process, one in
// another (its own connection to the file, seen through polling). Each
// call is decided exactly once, returns that decision with its own
// arguments, and none is lost.
func TestManyHeldCallsAreEachDecidedOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "bulkhead.db")
	st, other := openStore(t, path), openStore(t, path)
	q := NewQueue(st, "g1", func(string) bool { return true })
	go q.Poll(ctx, 50*time.Millisecond)

	const n = 1000
	results := make([]store.Approval, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := q.Hold(ctx, call(i), HoldOptions{Timeout: time.Minute})
			if err != nil {
				t.Errorf("hold %d: %v", i, err)
			}
			results[i] = a
		}()
	}

	var decided, refused atomic.Int64
	holding := make(chan struct{})
	decider := func(decide func(id int64, d string) error) {
		for {
			pending, err := other.Approvals(ctx, true, 0)
			if err != nil {
				t.Error(err)
				return
			}
			if len(pending) == 0 {
				select {
				case <-holding:
					return
				case <-time.After(10 * time.Millisecond):
				}
				continue
			}
			for _, p := range pending {
				var n int
				json.Unmarshal(p.Arguments, &struct{ N *int }{&n})
				d := store.AllowOnce
				if n%2 == 1 {
					d = store.Deny
				}
				switch err := decide(p.ID, d); {
				case err == nil:
					decided.Add(1)
				case errors.Is(err, store.ErrDecided):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}
		}
	}
	var deciders sync.WaitGroup
	deciders.Add(2)
	go func() {
		defer deciders.Done()
		decider(func(id int64, d string) error { _, err := q.Decide(ctx, id, d, "in process"); return err })
	}()
	go func() {
		defer deciders.Done()
		decider(func(id int64, d string) error { _, err := Resolve(ctx, other, id, d, "other process"); return err })
	}()
	wg.Wait()
	close(holding)
	deciders.Wait()

	if decided.Load() != n {
		t.Errorf("%d decisions took effect, want exactly %d (%d refused as already decided)", decided.Load(), n, refused.Load())
	}
	ids := map[int64]bool{}
	for i, a := range results {
		want := store.AllowOnce
		if i%2 == 1 {
			want = store.Deny
		}
		if a.Decision != want || string(a.Arguments) != string(call(i).Arguments) || ids[a.ID] {
			t.Fatalf("call %d came back %q with %s (id %d, seen before: %v)", i, a.Decision, a.Arguments, a.ID, ids[a.ID])
		}
		ids[a.ID] = true
	}
	t.Logf("%d decided, %d second decisions refused", decided.Load(), refused.Load())
	if left, _ := st.Approvals(ctx, true, 0); len(left) != 0 {
		t.Errorf("%d calls still pending", len(left))
	}
	if all, _ := st.Approvals(ctx, false, 1); len(all[0].Arguments) != 0 {
		t.Errorf("a finished call keeps its arguments: %s", all[0].Arguments)
	}
}

func TestHeldCallTimesOutDenied(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	q := NewQueue(st, "g1", func(string) bool { return true })
	a, err := q.Hold(context.Background(), call(1), HoldOptions{Timeout: 100 * time.Millisecond})
	if err != nil || a.Decision != store.TimedOut || store.Allowed(a.Decision) {
		t.Fatalf("after the timeout: %+v %v", a, err)
	}
	if _, err := q.Decide(context.Background(), a.ID, store.AllowOnce, "late"); !errors.Is(err, store.ErrDecided) {
		t.Errorf("a late approval took effect: %v", err)
	}
}

func TestSessionGrantCoversOnlyItsSession(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	q := NewQueue(st, "g1", func(string) bool { return true })
	go func() {
		for {
			if p, _ := st.Approvals(ctx, true, 0); len(p) == 1 {
				q.Decide(ctx, p[0].ID, store.AllowSession, "me")
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if a, err := q.Hold(ctx, call(1), HoldOptions{Timeout: time.Minute}); err != nil || a.Decision != store.AllowSession {
		t.Fatalf("%+v %v", a, err)
	}
	if !q.SessionAllows("sess", "s", "t") || q.SessionAllows("other", "s", "t") || q.SessionAllows("sess", "s", "u") {
		t.Error("the session grant covers the wrong calls")
	}
	q.EndSession("sess")
	if q.SessionAllows("sess", "s", "t") {
		t.Error("the grant outlived its session")
	}
}

// TestCallsOfAnEndedGatewayAreSettled: a gateway that ended left a call
// pending. By default the next gateway denies it; with keep, it stays
// pending, ownerless, and a retry of the same call takes it over.
func TestCallsOfAnEndedGatewayAreSettled(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []bool{false, true} {
		st := openStore(t, filepath.Join(t.TempDir(), "bulkhead.db"))
		left := call(7)
		left.Owner, left.Deadline = "dead", time.Now().Add(time.Hour)
		id, _ := st.AddApproval(ctx, left)
		alive := func(o string) bool { return o != "dead" }
		q := NewQueue(st, "g2", alive)
		settled, err := q.Recover(ctx, keep)
		if err != nil || len(settled) != 1 {
			t.Fatalf("keep=%v: recover: %v %v", keep, settled, err)
		}
		got, _ := st.GetApproval(ctx, id)
		if !keep {
			if got.Decision != store.Abandoned || len(got.Arguments) != 0 {
				t.Errorf("denied: %+v", got)
			}
			continue
		}
		if got.Decision != "" || got.Owner != "" {
			t.Errorf("kept: %+v", got)
		}
		if again, _ := q.Recover(ctx, keep); len(again) != 0 {
			t.Errorf("a kept call was settled twice")
		}
		go func() {
			for {
				if a, _ := st.GetApproval(ctx, id); a.Owner == "g2" {
					q.Decide(ctx, id, store.AllowOnce, "me")
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		a, err := q.Hold(ctx, call(7), HoldOptions{Timeout: time.Minute, KeepOrphans: true})
		if err != nil || a.ID != id || a.Decision != store.AllowOnce {
			t.Errorf("the retry did not take over the kept call: %+v %v", a, err)
		}
	}
}
