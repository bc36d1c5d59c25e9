package trust

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// legacyPin is a pin as Bulkhead made it before schemes were recorded:
// every array sorted but tuples.
func legacyPin(t *testing.T, kind, name string, v any, by string, at time.Time) store.DefinitionPin {
	t.Helper()
	decoded, err := decodeValue(v)
	if err != nil {
		t.Fatal(err)
	}
	f, err := formOf(decoded, legacy)
	if err != nil {
		t.Fatal(err)
	}
	return store.DefinitionPin{Server: "files", Kind: kind, Name: name, Hash: f.hash, Definition: string(f.json),
		Scheme: schemeSortedArrays, ApprovedBy: by, ApprovedAt: at}
}

func storedPin(t *testing.T, st *store.Store, kind, name string) store.DefinitionPin {
	t.Helper()
	pins, err := st.DefinitionPins(context.Background(), "files")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pins {
		if p.Kind == kind && p.Name == name {
			return p
		}
	}
	t.Fatalf("no pin of %s %s", kind, name)
	return store.DefinitionPin{}
}

// Pins hashed the old way (arrays sorted) are carried over to the ordered
// scheme, with their approver, only while what is offered is what was
// approved; after that, reordering a list is a change like any other.
func TestPinsOfTheSortedSchemeAreRespeltOnlyWhenUnchanged(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	approved := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	list := `{"name":"list","description":"Lists files.","inputSchema":{"type":"object","properties":{"sort":{"type":"array","default":["name","size"]}},"required":["sort"]}}`
	other := `{"name":"stat","description":"Describes a file.","inputSchema":{"type":"object","properties":{"fields":{"default":["mode","owner"]}}}}`
	if err := st.PinDefinitions(ctx,
		legacyPin(t, store.KindTool, "list", json.RawMessage(list), "alice", approved),
		legacyPin(t, store.KindTool, "stat", json.RawMessage(other), "alice", approved),
		legacyPin(t, store.KindLaunch, launchName, launchSpec(), "bob", approved)); err != nil {
		t.Fatal(err)
	}

	// "stat" is offered with its default list in another order than
	// approved: the sorted pin cannot tell, so it is respelt as offered.
	// "list" is offered as approved.
	offered := tools(list, strings.Replace(other, `["mode","owner"]`, `["owner","mode"]`, 1))
	vs, err := ReviewDefinitions(ctx, st, "files", offered, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(vs); got["tool:list"] != Approved || got["tool:stat"] != Approved {
		t.Fatalf("unchanged definitions after the upgrade: %v", got)
	}
	for _, v := range vs {
		p := storedPin(t, st, store.KindTool, v.Name)
		if p.Scheme != schemeOrdered || p.Hash != v.Hash || p.Definition != v.Canonical || p.ApprovedBy != "alice" || !p.ApprovedAt.Equal(approved) {
			t.Errorf("%s not respelt with its approval: %+v", v.Name, p)
		}
	}
	if err := CheckLaunch(ctx, st, launchSpec()); err != nil {
		t.Fatalf("the approved launch spec after the upgrade: %v", err)
	}
	if p := storedPin(t, st, store.KindLaunch, launchName); p.Scheme != schemeOrdered || p.ApprovedBy != "bob" {
		t.Errorf("launch pin not respelt with its approval: %+v", p)
	}

	// Respelt, the order counts.
	reordered := tools(strings.Replace(list, `["name","size"]`, `["size","name"]`, 1))
	vs, _ = ReviewDefinitions(ctx, st, "files", reordered, nil)
	if got := statuses(vs); got["tool:list"] != Changed {
		t.Errorf("a default list reordered after the upgrade: %v", got)
	}
	spec := launchSpec()
	spec.Cmd[0], spec.Cmd[1] = spec.Cmd[1], spec.Cmd[0]
	var changed *LaunchChangedError
	if err := CheckLaunch(ctx, st, spec); !errors.As(err, &changed) {
		t.Errorf("arguments swapped after the upgrade: %v", err)
	}
}

// A sorted-scheme pin whose definition differs in meaning from what is
// offered stays as it was, and the offer is a change to review.
func TestAChangedDefinitionIsNotRespelt(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	approved := `{"name":"list","description":"Lists files.","inputSchema":{"type":"object","required":["dir"]}}`
	pin := legacyPin(t, store.KindTool, "list", json.RawMessage(approved), "alice", time.Now())
	launch := legacyPin(t, store.KindLaunch, launchName, launchSpec(), "bob", time.Now())
	if err := st.PinDefinitions(ctx, pin, launch); err != nil {
		t.Fatal(err)
	}
	vs, err := ReviewDefinitions(ctx, st, "files", tools(strings.Replace(approved, "Lists files.", "Lists all files.", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(vs); got["tool:list"] != Changed {
		t.Errorf("a changed description over a sorted pin: %v", got)
	}
	spec := launchSpec()
	spec.User = "0"
	var changed *LaunchChangedError
	if err := CheckLaunch(ctx, st, spec); !errors.As(err, &changed) {
		t.Errorf("a changed user over a sorted pin: %v", err)
	}
	for _, want := range []store.DefinitionPin{pin, launch} {
		if got := storedPin(t, st, want.Kind, want.Name); got.Scheme != schemeSortedArrays || got.Hash != want.Hash {
			t.Errorf("the %s pin was rewritten: %+v", want.Kind, got)
		}
	}
}
