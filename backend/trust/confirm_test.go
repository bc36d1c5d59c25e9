package trust

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func TestLookalikeIsBlockedUntilConfirmedAsShown(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	impostor := catalog.Entry{Name: "memroy", Title: "Notes", Image: "acme/notes:1", Source: catalog.Source{File: "c.yaml"}}

	var blocked *LookalikeError
	if err := CheckLookalike(ctx, st, impostor); !errors.As(err, &blocked) {
		t.Fatalf("unconfirmed look-alike: %v, want LookalikeError", err)
	}
	if msg := blocked.Error(); !strings.Contains(msg, `"memory"`) || !strings.Contains(msg, "bulkhead confirm memroy") {
		t.Errorf("error does not name the verified server and the way out: %s", msg)
	}

	found, err := ConfirmLookalike(ctx, st, impostor, "tester")
	if err != nil || len(found) == 0 {
		t.Fatalf("confirm: %v %v", found, err)
	}
	if err := CheckLookalike(ctx, st, impostor); err != nil {
		t.Fatalf("confirmed look-alike still blocked: %v", err)
	}

	// The confirmation covered what was shown; another image asks again.
	moved := impostor
	moved.Image = "mcpp/memory:latest"
	if err := CheckLookalike(ctx, st, moved); !errors.As(err, &blocked) {
		t.Errorf("look-alike with a new image passed on an old confirmation: %v", err)
	}

	honest := catalog.Entry{Name: "weather", Title: "Weather", Image: "acme/weather:2", Source: catalog.Source{File: "c.yaml"}}
	if err := CheckLookalike(ctx, st, honest); err != nil {
		t.Errorf("entry resembling nothing blocked: %v", err)
	}
	if found, err := ConfirmLookalike(ctx, st, honest, "tester"); err != nil || found != nil {
		t.Errorf("confirming an entry that resembles nothing: %v %v", found, err)
	}
}
