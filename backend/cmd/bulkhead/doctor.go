package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func newDoctorCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the set-up and say what is wrong",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := &doctor{app: a}
			d.run(cmd.Context())
			if d.failed > 0 {
				return fmt.Errorf("%d problem(s) found", d.failed)
			}
			fmt.Fprintln(a.stdout, "all checks passed")
			return nil
		},
	}
}

type doctor struct {
	app    *app
	failed int
}

func (d *doctor) ok(format string, args ...any) {
	fmt.Fprintf(d.app.stdout, "ok    %s\n", fmt.Sprintf(format, args...))
}

func (d *doctor) warn(format string, args ...any) {
	fmt.Fprintf(d.app.stdout, "warn  %s\n", fmt.Sprintf(format, args...))
}

func (d *doctor) fail(format string, args ...any) {
	d.failed++
	fmt.Fprintf(d.app.stdout, "FAIL  %s\n", oneLine(fmt.Sprintf(format, args...)))
}

func (d *doctor) run(ctx context.Context) {
	a := d.app
	home, err := a.home()
	if err != nil {
		d.fail("%v", err)
		return
	}
	if err := writable(home); err != nil {
		d.fail("Bulkhead home %s is not writable (%v): fix its permissions or set BULKHEAD_HOME", home, err)
	} else {
		d.ok("Bulkhead home %s", home)
	}

	if st, err := a.store(ctx); err != nil {
		d.fail("state database: %v", err)
	} else if v, err := st.SchemaVersion(ctx); err != nil {
		d.fail("state database: %v", err)
	} else if err := st.Check(ctx); err != nil {
		d.fail("state database: %v: restore it from a backup, or move it away and start again", err)
	} else {
		d.ok("state database (schema %d of %d, integrity checked)", v, store.LatestSchemaVersion())
	}

	if cat, err := a.catalog(); err != nil {
		d.fail("catalog: %v", err)
	} else {
		user := 0
		for _, e := range cat.Entries {
			if !e.Source.Builtin {
				user++
			}
		}
		d.ok("catalog: %d built-in and %d user entries", len(cat.Entries)-user, user)
	}

	d.adminPolicy()

	eng, err := a.engine(ctx)
	if err != nil {
		d.fail("%v", err)
		return
	}
	cli := eng.Client()
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		d.fail("Docker Engine info: %v", err)
		return
	}
	in := info.Info
	d.ok("Docker Engine %s at %s (API %s, %s)", in.ServerVersion, cli.DaemonHost(), cli.ClientVersion(), in.OperatingSystem)
	if slices.ContainsFunc(in.SecurityOptions, func(s string) bool { return strings.HasPrefix(s, "name=seccomp") }) {
		d.ok("seccomp filters system calls")
	} else {
		d.warn("the engine runs without seccomp: sandboxes lose their system-call filter; use an engine built with seccomp")
	}
	var missing []string
	for name, has := range map[string]bool{"memory": in.MemoryLimit, "swap": in.SwapLimit, "pids": in.PidsLimit, "cpu": in.CPUCfsQuota} {
		if !has {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		d.fail("the engine cannot enforce %s limits, so Bulkhead will refuse to launch: enable those cgroup controllers (cgroup v2 has them all)", strings.Join(missing, ", "))
	} else {
		d.ok("memory, swap, pids and cpu limits enforced (cgroup v%s)", orDash(in.CgroupVersion))
	}
	if path, err := eng.CheckHelper(); err != nil {
		d.warn("servers that speak HTTP cannot start: %v", err)
	} else {
		d.ok("relay for servers that speak HTTP, built from %s", path)
	}
	if in.InitBinary == "" {
		d.fail("the engine has no init binary (docker-init): sandboxes need one to reap their processes; install tini or the engine's docker-init")
	} else {
		d.ok("init process for sandboxes (%s)", in.InitBinary)
	}
	if list, err := eng.List(ctx); err != nil {
		d.fail("list sandboxes: %v", err)
	} else {
		d.ok("%d sandbox container(s) of this home on the engine", len(list))
	}
}

// adminPolicy checks the administrator's policy can be trusted: Bulkhead
// runs no server while it cannot.
func (d *doctor) adminPolicy() {
	admin, err := policy.LoadAdmin()
	switch {
	case err != nil:
		d.fail("%v", err)
	case admin.Source == "":
		path, _ := policy.AdminPath()
		d.ok("no administrator policy (none at %s)", path)
	default:
		images := "any source"
		if len(admin.Images.Allow) > 0 {
			images = strings.Join(admin.Images.Allow, ", ")
		}
		d.ok("administrator policy %s: %d tool rule(s), images from %s", admin.Source, len(admin.Tools), images)
	}
}

func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(filepath.Join(dir, filepath.Base(f.Name())))
}
