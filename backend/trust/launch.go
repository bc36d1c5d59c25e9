package trust

import (
	"context"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// launchName is the name a server's launch-spec pin goes by.
const launchName = "spec"

// LaunchChangedError blocks a server whose launch spec (command, args, env,
// user, mounts after resolving links, grants, limits, transport) is not the
// approved one.
type LaunchChangedError struct {
	Server string
	Fields []FieldChange
}

func (e *LaunchChangedError) Error() string {
	paths := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		paths[i] = sandbox.EscapeControl(f.Path)
	}
	return fmt.Sprintf("server %q is blocked: its launch spec changed since it was approved (%s); review and approve with `bulkhead changes diff %s %s --kind %s`",
		e.Server, strings.Join(paths, ", "), e.Server, launchName, store.KindLaunch)
}

// CheckLaunch pins a server's launch spec on first launch and blocks any
// other spec afterwards until a person approves it. The image is pinned on
// its own (CheckImage), so only its reference counts here.
func CheckLaunch(ctx context.Context, st *store.Store, spec sandbox.Spec) error {
	spec.Image = sandbox.Image{Ref: spec.Image.Ref}
	f, err := canonicalize(spec, value) // nothing in a launch spec is a set
	if err != nil {
		return err
	}
	canon, hash := string(f.json), f.hash
	pins, err := st.DefinitionPins(ctx, spec.Server)
	if err != nil {
		return err
	}
	for _, p := range pins {
		if p.Kind != store.KindLaunch {
			continue
		}
		if up, same := respell(p, f); same {
			if err := st.PinDefinitions(ctx, up); err != nil {
				return err
			}
			p = up
		}
		if p.Hash == hash {
			return st.ForgetDefinitionChange(ctx, spec.Server, store.KindLaunch, launchName)
		}
		fields, err := Diff(p.Definition, canon)
		if err != nil {
			return err
		}
		if err := st.WithholdDefinition(ctx, store.DefinitionChange{Server: spec.Server, Kind: store.KindLaunch, Name: launchName,
			Hash: hash, Definition: canon, Scheme: schemeOrdered, Reason: string(Changed)}); err != nil {
			return err
		}
		return &LaunchChangedError{Server: spec.Server, Fields: fields}
	}
	return st.PinDefinitions(ctx, store.DefinitionPin{Server: spec.Server, Kind: store.KindLaunch, Name: launchName,
		Hash: hash, Definition: canon, Scheme: schemeOrdered, ApprovedBy: FirstUse})
}
