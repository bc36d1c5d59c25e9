package trust

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func launchSpec() sandbox.Spec {
	return sandbox.Spec{Server: "files", Image: sandbox.Image{Ref: "example/files:1"},
		Entrypoint: []string{"/bin/sh", "-c", "exec /server \"$@\"", "files"}, Cmd: []string{"/data/readonly", "/data/writable"},
		Mounts: []sandbox.Mount{{Host: "/home/u/docs", Container: "/data/readonly"}, {Host: "/home/u/out", Container: "/data/writable", Write: true}},
		User:   "65534", SecretNames: []string{"B_TOKEN", "A_TOKEN"}}
}

// Nothing in a launch spec is a set: swapping two arguments changes which
// directory is written or which string is the script, and is blocked.
func TestCheckLaunchBlocksReorderedArguments(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if err := CheckLaunch(ctx, st, launchSpec()); err != nil {
		t.Fatalf("first launch: %v", err)
	}
	if err := CheckLaunch(ctx, st, launchSpec()); err != nil {
		t.Fatalf("the same spec again: %v", err)
	}
	swapped := map[string]func(*sandbox.Spec){
		"args":       func(s *sandbox.Spec) { s.Cmd[0], s.Cmd[1] = s.Cmd[1], s.Cmd[0] },
		"command":    func(s *sandbox.Spec) { s.Entrypoint[1], s.Entrypoint[2] = s.Entrypoint[2], s.Entrypoint[1] },
		"mounts":     func(s *sandbox.Spec) { s.Mounts[0].Host, s.Mounts[1].Host = s.Mounts[1].Host, s.Mounts[0].Host },
		"secrets":    func(s *sandbox.Spec) { s.SecretNames[0], s.SecretNames[1] = s.SecretNames[1], s.SecretNames[0] },
		"mount list": func(s *sandbox.Spec) { s.Mounts[0], s.Mounts[1] = s.Mounts[1], s.Mounts[0] },
	}
	for what, swap := range swapped {
		spec := launchSpec()
		swap(&spec)
		var changed *LaunchChangedError
		if err := CheckLaunch(ctx, st, spec); !errors.As(err, &changed) || len(changed.Fields) == 0 {
			t.Errorf("%s swapped: %v, want the launch blocked as changed", what, err)
		}
		before, _ := canonicalize(launchSpec(), value)
		after, _ := canonicalize(spec, value)
		if before.hash == after.hash {
			t.Errorf("%s swapped: the same hash", what)
		}
	}
}
