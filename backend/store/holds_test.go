package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestHoldsAreDecidedOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	st := open(t, path)
	id, err := st.AddHold(ctx, Hold{Server: "web", Subject: `result of tool "fetch"`, Findings: `[{"rule":"secret"}]`})
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := st.Holds(ctx, true); err != nil || len(pending) != 1 || pending[0].ID != id || pending[0].Decision != "" {
		t.Fatalf("pending holds: %+v %v", pending, err)
	}
	// Another process (the CLI) decides.
	other := open(t, path)
	if err := other.DecideHold(ctx, id, Release, "cli"); err != nil {
		t.Fatal(err)
	}
	if h, err := st.GetHold(ctx, id); err != nil || h.Decision != Release || h.DecidedBy != "cli" {
		t.Fatalf("after release: %+v %v", h, err)
	}
	if err := st.DecideHold(ctx, id, Refuse, "cli"); !errors.Is(err, ErrDecided) {
		t.Errorf("second decision: %v, want ErrDecided", err)
	}
	if err := st.DecideHold(ctx, id+1, Release, "cli"); !errors.Is(err, ErrNotFound) {
		t.Errorf("decision on no hold: %v, want ErrNotFound", err)
	}
	if pending, _ := st.Holds(ctx, true); len(pending) != 0 {
		t.Errorf("decided hold still pending: %+v", pending)
	}
	if all, _ := st.Holds(ctx, false); len(all) != 1 {
		t.Errorf("all holds: %+v", all)
	}
}
