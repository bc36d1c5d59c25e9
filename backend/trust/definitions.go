package trust

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// Definition is one thing a server offers that reaches a client's model:
// a tool, prompt or resource template as the server sent it, or its
// instructions.
type Definition struct {
	Kind  string // store.KindTool, ...
	Name  string // empty for instructions
	Value any
}

// Status says whether a definition may reach clients.
type Status string

const (
	Approved Status = "approved" // matches its pin
	New      Status = "new"      // not pinned, on a server already adopted
	Changed  Status = "changed"  // differs from its pin
	Flagged  Status = "flagged"  // the scanner found instructions to the model in it
)

// Verdict is the review of one definition.
type Verdict struct {
	Definition
	Status    Status
	Hash      string
	Canonical string
	Pin       *store.DefinitionPin // the approved version, when Changed
	Findings  []scan.Finding
	// ApprovedBy is who approved this version: a person, or FirstUse.
	ApprovedBy string
}

// Passes reports whether the definition may reach clients.
func (v Verdict) Passes() bool { return v.Status == Approved }

// ReviewDefinitions compares what a server offers with what was approved,
// and scans it. The first time a server is reviewed (nothing pinned) what
// it offers is pinned by first use, except what the scanner flags; after
// that, whatever is new or changed is withheld too. A flagged definition
// passes only once a person has approved that exact version. Withheld
// versions are recorded for a person to compare and approve; those the
// server no longer offers, or has gone back on, are forgotten. others are
// the other servers' tools, for shadowing and look-alike names.
func ReviewDefinitions(ctx context.Context, st *store.Store, server string, defs []Definition, others *scan.Context) ([]Verdict, error) {
	pins, err := st.DefinitionPins(ctx, server)
	if err != nil {
		return nil, err
	}
	pinned := map[[2]string]store.DefinitionPin{}
	for _, p := range pins {
		if p.Kind != store.KindLaunch && p.Kind != store.KindReviewed {
			pinned[[2]string{p.Kind, p.Name}] = p
		}
	}
	covered := coveredKinds(pins, len(pinned) > 0)
	verdicts := make([]Verdict, 0, len(defs))
	var adopt []store.DefinitionPin // first use, and pins spelt anew
	passing := map[[2]string]bool{} // offered and approved
	for _, d := range defs {
		f, err := canonicalize(d.Value, definition)
		if err != nil {
			return nil, fmt.Errorf("server %q: %s %s: %w", server, d.Kind, d.Name, err)
		}
		v := Verdict{Definition: d, Hash: f.hash, Canonical: string(f.json), Findings: scanDefinition(ctx, d.Kind, f, others)}
		key := [2]string{d.Kind, d.Name}
		p, ok := pinned[key]
		if up, same := respell(p, f); same {
			p = up
			adopt = append(adopt, up)
		}
		switch {
		case scan.Blocks(v.Findings) && !(ok && p.Hash == v.Hash && p.ApprovedBy != FirstUse):
			v.Status = Flagged
			if ok {
				v.Pin = &p
			}
		case ok && p.Hash == v.Hash:
			v.Status, v.ApprovedBy = Approved, p.ApprovedBy
		case ok:
			v.Status, v.Pin = Changed, &p
		case !covered[d.Kind]:
			v.Status, v.ApprovedBy = Approved, FirstUse
			adopt = append(adopt, store.DefinitionPin{Server: server, Kind: d.Kind, Name: d.Name, Hash: v.Hash, Definition: v.Canonical,
				Scheme: schemeOrdered, ApprovedBy: FirstUse})
		default:
			v.Status = New
		}
		passing[key] = v.Passes()
		verdicts = append(verdicts, v)
	}
	if len(pinned) > 0 || len(adopt) > 0 {
		if marker, changed := reviewedMarker(server, covered); changed {
			adopt = append(adopt, marker)
		}
	}
	if len(adopt) > 0 {
		if err := st.PinDefinitions(ctx, adopt...); err != nil {
			return nil, err
		}
	}
	for _, v := range verdicts {
		if v.Passes() {
			continue
		}
		findings, _ := json.Marshal(v.Findings)
		if err := st.WithholdDefinition(ctx, store.DefinitionChange{Server: server, Kind: v.Kind, Name: v.Name,
			Hash: v.Hash, Definition: v.Canonical, Scheme: schemeOrdered, Reason: string(v.Status), Findings: string(findings)}); err != nil {
			return nil, err
		}
	}
	withheld, err := st.DefinitionChanges(ctx, server)
	if err != nil {
		return nil, err
	}
	for _, c := range withheld {
		if c.Kind == store.KindLaunch {
			continue // the launch spec is CheckLaunch's
		}
		if pass, offered := passing[[2]string{c.Kind, c.Name}]; !offered || pass {
			if err := st.ForgetDefinitionChange(ctx, server, c.Kind, c.Name); err != nil {
				return nil, err
			}
		}
	}
	return verdicts, nil
}

// reviewedKinds are the kinds of definition a review pins; legacyKinds
// those reviewed before resources and the server's own description were.
var (
	reviewedKinds = []string{store.KindTool, store.KindPrompt, store.KindResourceTemplate, store.KindResource, store.KindInstructions, store.KindServerInfo}
	legacyKinds   = []string{store.KindTool, store.KindPrompt, store.KindResourceTemplate, store.KindInstructions}
)

// coveredKinds are the kinds a server was already reviewed for: what it
// offers of any other is adopted by first use, once. A server never
// reviewed is covered for none; one pinned before the reviewed kinds were
// recorded, for the kinds reviewed then.
func coveredKinds(pins []store.DefinitionPin, pinnedBefore bool) map[string]bool {
	covered := map[string]bool{}
	var kinds []string
	for _, p := range pins {
		if p.Kind == store.KindReviewed {
			json.Unmarshal([]byte(p.Definition), &kinds)
			pinnedBefore = false // the marker says it all
		}
	}
	if pinnedBefore {
		kinds = legacyKinds
	}
	for _, k := range kinds {
		covered[k] = true
	}
	return covered
}

// reviewedMarker is the pin recording that a server is now reviewed for
// every kind, and whether it differs from covered.
func reviewedMarker(server string, covered map[string]bool) (store.DefinitionPin, bool) {
	changed := false
	for _, k := range reviewedKinds {
		changed = changed || !covered[k]
	}
	doc, _ := json.Marshal(reviewedKinds)
	sum := sha256.Sum256(doc)
	return store.DefinitionPin{Server: server, Kind: store.KindReviewed, Hash: hex.EncodeToString(sum[:]), Definition: string(doc),
		Scheme: schemeOrdered, ApprovedBy: FirstUse}, changed
}

// scanDefinition scans what a model would read of a definition, with the
// judge's opinion where others has a judge (see scan.Judged).
func scanDefinition(ctx context.Context, kind string, f canonicalForm, others *scan.Context) []scan.Finding {
	if text, ok := f.decoded.(string); ok && kind == store.KindInstructions {
		return scan.Judged(ctx, others, "a tool server's instructions", text, scan.Text("instructions", text, others))
	}
	return scan.JudgedDefinition(ctx, others, "what a model reads of a tool server's "+kind+" (its name, title and descriptions)", f.decoded, scan.Definition(f.decoded, others))
}

// ScanDefinition scans one definition as a review would, without looking
// at or changing any pin.
func ScanDefinition(ctx context.Context, d Definition, others *scan.Context) ([]scan.Finding, error) {
	f, err := canonicalize(d.Value, definition)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", d.Kind, d.Name, err)
	}
	return scanDefinition(ctx, d.Kind, f, others), nil
}

// respell carries a pin made under schemeSortedArrays over to the current
// scheme when what is offered now is, spelt the old way, exactly what was
// approved: the same approval (by the same person, at the same time), with
// the hash that keeps lists in order. Reordering a list at the moment of
// the upgrade passes as the old scheme let it pass; any other difference
// is a change as usual.
func respell(p store.DefinitionPin, now canonicalForm) (store.DefinitionPin, bool) {
	if p.Scheme != schemeSortedArrays {
		return p, false
	}
	old, err := formOf(now.decoded, legacy)
	if err != nil || old.hash != p.Hash {
		return p, false
	}
	p.Hash, p.Definition, p.Scheme = now.hash, string(now.json), schemeOrdered
	return p, true
}
