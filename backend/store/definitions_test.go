package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestDefinitionPinsAndWithheldChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkhead.db")
	s := open(t, path)
	ctx := context.Background()
	v1 := DefinitionPin{Server: "notes", Kind: KindTool, Name: "search", Hash: "h1", Definition: `{"name":"search"}`, ApprovedBy: "first use"}
	if err := s.PinDefinitions(ctx, v1, DefinitionPin{Server: "notes", Kind: KindInstructions, Hash: "i1", Definition: `"Be brief."`, ApprovedBy: "first use"}); err != nil {
		t.Fatal(err)
	}

	// The server changes the tool: withheld, and seen_at stays that of the
	// first sighting of this version.
	first := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	change := DefinitionChange{Server: "notes", Kind: KindTool, Name: "search", Hash: "h2", Definition: `{"name":"search","x":1}`, Reason: "changed", SeenAt: first}
	if err := s.WithholdDefinition(ctx, change); err != nil {
		t.Fatal(err)
	}
	change.SeenAt = first.Add(time.Hour)
	s.WithholdDefinition(ctx, change)
	if err := s.WithholdDefinition(ctx, DefinitionChange{Server: "other", Kind: KindPrompt, Name: "p", Hash: "p1", Definition: "{}", Reason: "new"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DefinitionChanges(ctx, "notes")
	if err != nil || len(got) != 1 || got[0].Hash != "h2" || !got[0].SeenAt.Equal(first) || got[0].Findings != "[]" {
		t.Fatalf("withheld for notes: %+v, %v", got, err)
	}
	if all, _ := s.DefinitionChanges(ctx, ""); len(all) != 2 {
		t.Errorf("all withheld: %+v", all)
	}

	// An approval names the version shown; a stale one approves nothing.
	if err := s.ApproveDefinition(ctx, "notes", KindTool, "search", "h1", "alice"); !errors.Is(err, ErrChangedAgain) {
		t.Errorf("approving a stale version: %v, want ErrChangedAgain", err)
	}
	if err := s.ApproveDefinition(ctx, "notes", KindTool, "missing", "h1", "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("approving what is not withheld: %v, want ErrNotFound", err)
	}
	if err := s.ApproveDefinition(ctx, "notes", KindTool, "search", "h2", "alice"); err != nil {
		t.Fatal(err)
	}

	// Reopened from the file: the approval holds, the change is gone.
	s.Close()
	s = open(t, path)
	pins, err := s.DefinitionPins(ctx, "notes")
	if err != nil || len(pins) != 2 {
		t.Fatalf("pins: %+v, %v", pins, err)
	}
	tool := pins[1]
	if tool.Kind != KindTool || tool.Hash != "h2" || tool.Definition != `{"name":"search","x":1}` || tool.ApprovedBy != "alice" {
		t.Errorf("approved pin: %+v", tool)
	}
	if left, _ := s.DefinitionChanges(ctx, "notes"); len(left) != 0 {
		t.Errorf("still withheld after approval: %+v", left)
	}
	if err := s.ForgetDefinitionChange(ctx, "other", KindPrompt, "p"); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.DefinitionChanges(ctx, ""); len(left) != 0 {
		t.Errorf("forgotten change still listed: %+v", left)
	}
}

// A gateway that reviewed a version before a person approved it in
// another process, and records it as withheld only after, withholds
// nothing: the approved version is not listed as withheld again.
func TestAVersionApprovedMeanwhileIsNotWithheldAgain(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	ctx := context.Background()
	change := DefinitionChange{Server: "notes", Kind: KindTool, Name: "fresh", Hash: "h1", Definition: `{"name":"fresh"}`, Reason: "new"}
	if err := s.WithholdDefinition(ctx, change); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveDefinition(ctx, "notes", KindTool, "fresh", "h1", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.WithholdDefinition(ctx, change); err != nil { // the late review
		t.Fatal(err)
	}
	if got, err := s.DefinitionChanges(ctx, "notes"); err != nil || len(got) != 0 {
		t.Errorf("withheld after approval: %+v, %v", got, err)
	}
	// Another version of it is withheld as before.
	change.Hash, change.Definition = "h2", `{"name":"fresh","x":1}`
	if err := s.WithholdDefinition(ctx, change); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DefinitionChanges(ctx, "notes"); len(got) != 1 || got[0].Hash != "h2" {
		t.Errorf("a new version: %+v", got)
	}
}
