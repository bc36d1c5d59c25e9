package policy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/internal/poll"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Queue holds calls until a person decides. Held calls live in the state
// database, so a decision can come from any process (the CLI, the API): a
// decision made here wakes its call at once, one made elsewhere is seen on
// the next poll. The database decides each call once, whoever is first.
type Queue struct {
	st    *store.Store
	owner string                  // this gateway process
	alive func(owner string) bool // whether another gateway process still runs

	mu      sync.Mutex
	waiting map[int64]chan store.Approval
	granted map[string]map[[2]string]bool // client session -> server/tool allowed for it
}

// NewQueue makes the queue of the gateway process owner.
func NewQueue(st *store.Store, owner string, alive func(string) bool) *Queue {
	return &Queue{st: st, owner: owner, alive: alive, waiting: map[int64]chan store.Approval{}, granted: map[string]map[[2]string]bool{}}
}

// Poll looks for decisions made by other processes every interval, until
// ctx ends.
func (q *Queue) Poll(ctx context.Context, every time.Duration) {
	poll.Every(ctx, every, func(ctx context.Context) {
		q.mu.Lock()
		ids := slices.Collect(maps.Keys(q.waiting))
		q.mu.Unlock()
		if len(ids) == 0 {
			return
		}
		decided, err := q.st.DecidedAmong(ctx, ids)
		if err != nil {
			return // the database is busy or gone; deadlines still apply
		}
		for _, a := range decided {
			q.wake(a)
		}
	})
}

func (q *Queue) wake(a store.Approval) {
	q.mu.Lock()
	ch, ok := q.waiting[a.ID]
	delete(q.waiting, a.ID)
	q.mu.Unlock()
	if ok {
		ch <- a
	}
}

// Recover settles the calls held by gateway processes that ended: denied
// (as abandoned), or, when keep is set, left pending with no owner, for a
// person to decide and a retry of the same call to take over. It returns
// the calls it settled, each once, as they are after it.
func (q *Queue) Recover(ctx context.Context, keep bool) ([]store.Approval, error) {
	pending, err := q.leftBehind(ctx, false)
	if err != nil {
		return nil, err
	}
	var settled []store.Approval
	for _, p := range pending {
		if keep {
			if err := q.st.Adopt(ctx, p.ID, orphaned, p.Deadline); err != nil {
				return settled, err
			}
			p.Owner = orphaned
			settled = append(settled, p)
			continue
		}
		a, err := q.st.DecideApproval(ctx, p.ID, store.Abandoned, "bulkhead: its gateway ended before anyone decided")
		if errors.Is(err, store.ErrDecided) {
			continue
		}
		if err != nil {
			return settled, err
		}
		q.st.ForgetArguments(ctx, a.ID)
		settled = append(settled, a)
	}
	return settled, nil
}

// leftBehind lists the pending calls of gateway processes that ended, and
// with kept, those already kept pending without an owner.
func (q *Queue) leftBehind(ctx context.Context, kept bool) ([]store.Approval, error) {
	owners, err := q.st.PendingOwners(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Approval
	for _, o := range owners {
		if o == q.owner || (o == orphaned && !kept) || (o != orphaned && q.alive(o)) {
			continue
		}
		pending, err := q.st.PendingOf(ctx, o)
		if err != nil {
			return out, err
		}
		out = append(out, pending...)
	}
	return out, nil
}

// orphaned owns the calls kept pending after their gateway ended.
const orphaned = ""

// HoldOptions tune one held call.
type HoldOptions struct {
	Timeout     time.Duration        // then it is denied as timed out
	KeepOrphans bool                 // take over the same call left pending by a gateway that ended
	OnHeld      func(store.Approval) // called, with its id, once the call is pending
}

// Hold records a call and waits until a person decides, the deadline
// passes (denied as timed out) or ctx ends (denied as abandoned). With
// KeepOrphans, a pending call left by a gateway that ended, with the same
// server, tool and arguments, is taken over instead of asking again. The
// approval returned carries the decision and the arguments decided on.
func (q *Queue) Hold(ctx context.Context, a store.Approval, o HoldOptions) (store.Approval, error) {
	timeout := o.Timeout
	a.Owner = q.owner
	a.Deadline = time.Now().Add(timeout)
	id, err := q.adoptOrphan(ctx, a, o.KeepOrphans)
	if err != nil {
		return a, err
	}
	if id == 0 {
		if id, err = q.st.AddApproval(ctx, a); err != nil {
			return a, fmt.Errorf("hold the call for a person: %w", err)
		}
	}
	ch := make(chan store.Approval, 1)
	q.mu.Lock()
	q.waiting[id] = ch
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		delete(q.waiting, id)
		q.mu.Unlock()
	}()
	if o.OnHeld != nil {
		a.ID = id
		o.OnHeld(a)
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var decided store.Approval
	select {
	case decided = <-ch:
	case <-timer.C:
		decided, err = q.settle(context.WithoutCancel(ctx), id, store.TimedOut, fmt.Sprintf("bulkhead: nobody decided within %s", timeout))
	case <-ctx.Done():
		decided, err = q.settle(context.WithoutCancel(ctx), id, store.Abandoned, "bulkhead: the client stopped waiting")
	}
	if err != nil {
		return a, err
	}
	if decided.Decision == store.AllowSession {
		q.grant(decided.Session, decided.Server, decided.Tool)
	}
	q.st.ForgetArguments(context.WithoutCancel(ctx), id)
	return decided, nil
}

// settle decides a call for the gateway, unless someone decided it first.
func (q *Queue) settle(ctx context.Context, id int64, decision, by string) (store.Approval, error) {
	a, err := q.st.DecideApproval(ctx, id, decision, by)
	if errors.Is(err, store.ErrDecided) {
		return a, nil // a person was first: theirs stands
	}
	return a, err
}

func (q *Queue) adoptOrphan(ctx context.Context, a store.Approval, keep bool) (int64, error) {
	if !keep {
		return 0, nil
	}
	pending, err := q.leftBehind(ctx, true)
	if err != nil {
		return 0, err
	}
	for _, p := range pending {
		if p.Server == a.Server && p.Tool == a.Tool && p.ArgsHash == a.ArgsHash {
			return p.ID, q.st.Adopt(ctx, p.ID, q.owner, a.Deadline)
		}
	}
	return 0, nil
}

// States of a held call, as a person is shown it.
const (
	StatePending = "pending" // waits for a person
	StateExpired = "expired" // undecided past its deadline: nobody can allow it
	StateDecided = "decided"
)

// ErrExpired is returned for a decision on a call past its deadline.
var ErrExpired = errors.New("expired")

// StateOf tells whether a held call waits, expired or was decided. Expiry
// is read from the deadline, never written, so it holds whoever runs: the
// call of a gateway that was stopped, with nobody left to time it out,
// expires all the same.
func StateOf(a store.Approval, now time.Time) string {
	switch {
	case a.Decision != "":
		return StateDecided
	case !now.Before(a.Deadline):
		return StateExpired
	}
	return StatePending
}

// Decide records a person's decision on a held call and wakes it if it
// waits in this process. A call past its deadline cannot be decided: its
// gateway denies it, or has ended.
func (q *Queue) Decide(ctx context.Context, id int64, decision, by string) (store.Approval, error) {
	if !PersonDecision(decision) {
		return store.Approval{}, fmt.Errorf("decision %q: use %v", decision, personDecisions)
	}
	held, err := q.st.GetApproval(ctx, id)
	if err != nil {
		return held, err
	}
	if StateOf(held, time.Now()) == StateExpired {
		return held, fmt.Errorf("held call %d %w at %s without a decision: nothing can allow it now; the client may call again",
			id, ErrExpired, held.Deadline.Local().Format(time.DateTime))
	}
	a, err := q.st.DecideApproval(ctx, id, decision, by)
	if err == nil {
		q.wake(a)
	}
	return a, err
}

// Resolve records a person's decision from a process that holds no calls
// (the CLI); the gateway waiting on the call sees it on its next poll.
func Resolve(ctx context.Context, st *store.Store, id int64, decision, by string) (store.Approval, error) {
	return NewQueue(st, "", nil).Decide(ctx, id, decision, by)
}

var personDecisions = []string{store.AllowOnce, store.AllowSession, store.AllowAlways, store.AllowAlwaysExact, store.Deny}

// PersonDecision reports whether a person may make this decision.
func PersonDecision(d string) bool { return slices.Contains(personDecisions, d) }

func (q *Queue) grant(session, server, tool string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.granted[session] == nil {
		q.granted[session] = map[[2]string]bool{}
	}
	q.granted[session][[2]string{server, tool}] = true
}

// SessionAllows reports whether a person allowed this tool for the session.
func (q *Queue) SessionAllows(session, server, tool string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.granted[session][[2]string{server, tool}]
}

// EndSession forgets what was allowed for a session that ended.
func (q *Queue) EndSession(session string) {
	q.mu.Lock()
	delete(q.granted, session)
	q.mu.Unlock()
}
