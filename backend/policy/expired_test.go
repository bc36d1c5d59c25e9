package policy

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A call whose gateway ended without settling it (nobody left to time it
// out) is expired once its deadline passes, for whoever reads it, and no
// person can allow it any more; one still in time can be decided.
func TestHeldCallPastItsDeadlineIsExpired(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	late, inTime := call(1), call(2)
	late.Owner, late.Deadline = "stopped-gateway", time.Now().Add(-time.Second)
	inTime.Owner, inTime.Deadline = "stopped-gateway", time.Now().Add(time.Hour)
	lateID, _ := st.AddApproval(ctx, late)
	inTimeID, _ := st.AddApproval(ctx, inTime)

	stored, err := st.GetApproval(ctx, lateID)
	if err != nil || StateOf(stored, time.Now()) != StateExpired || StateOf(stored, stored.Deadline.Add(-time.Millisecond)) != StatePending {
		t.Fatalf("state of %+v: %s (%v)", stored, StateOf(stored, time.Now()), err)
	}
	_, err = Resolve(ctx, st, lateID, store.AllowOnce, "me")
	if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "nothing can allow it now") {
		t.Errorf("deciding an expired call: %v", err)
	}
	if a, _ := st.GetApproval(ctx, lateID); a.Decision != "" {
		t.Errorf("an expired call was decided: %+v", a)
	}
	if a, err := Resolve(ctx, st, inTimeID, store.Deny, "me"); err != nil || StateOf(a, time.Now()) != StateDecided {
		t.Errorf("deciding a call in time: %+v %v", a, err)
	}
}
