package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

func newRunCommand(a *app) *cobra.Command {
	pull := string(sandbox.PullMissing)
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Start a server sandboxed and speak MCP over this terminal's stdio",
		Long: `Start the catalog server NAME in its sandbox and connect it to this process's
stdin and stdout, so that bulkhead run NAME works as a stdio MCP server for any
MCP client. Progress and errors go to stderr; the server's own stderr goes to
its log (bulkhead logs NAME).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, err := pullPolicy(pull)
			if err != nil {
				return err
			}
			return runServer(cmd.Context(), a, args[0], policy)
		},
	}
	cmd.Flags().StringVar(&pull, "pull", pull, "when to pull the image: missing, always or never")
	return cmd
}

// pullPolicy reads a --pull flag.
func pullPolicy(flag string) (sandbox.PullPolicy, error) {
	switch p := sandbox.PullPolicy(flag); p {
	case sandbox.PullMissing, sandbox.PullAlways, sandbox.PullNever:
		return p, nil
	}
	return "", fmt.Errorf("--pull %q: use missing, always or never", flag)
}

func runServer(ctx context.Context, a *app, name string, pull sandbox.PullPolicy) error {
	entry, st, eng, err := a.server(ctx, name)
	if err != nil {
		return err
	}
	if entry.Transport != catalog.TransportStdio {
		return fmt.Errorf("server %q speaks MCP over %s inside its container, and `bulkhead run` passes stdio through as is; serve it with `bulkhead gateway --stdio --server %s`", name, entry.Transport, name)
	}
	if n, err := eng.Reap(ctx); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "bulkhead: removed %d container(s) left by an earlier run\n", n)
	}
	vault, err := a.vault(ctx)
	if err != nil {
		return err
	}
	surviveBrokenPipes()
	launch := gateway.Sandboxed{Engine: eng, Store: st, Secrets: vault, Entry: entry, Pull: pull, Progress: a.stderr}
	var sb *sandbox.Sandbox
	launched := make(chan struct{})
	go func() {
		defer close(launched)
		sb, err = launch.Launch(ctx)
	}()
	select {
	case <-launched:
	case <-ctx.Done():
	}
	if ctx.Err() != nil { // interrupted, maybe while it started
		return a.shutDown(endedBy(ctx), func(stopCtx context.Context) {
			select {
			case <-launched:
				if sb != nil {
					sb.Stop(stopCtx)
				}
			case <-stopCtx.Done():
			}
		})
	}
	if err != nil {
		return err
	}
	return pipeStdio(ctx, a, sb)
}

// pipeStdio connects the client's stdio to the sandbox until one side ends.
func pipeStdio(ctx context.Context, a *app, sb *sandbox.Sandbox) error {
	in, out := a.stdin, a.stdout
	inDone := make(chan struct{})
	go func() {
		io.Copy(sb.Stdin(), in)
		sb.Stdin().Close()
		close(inDone)
	}()
	outDone := make(chan struct{})
	go func() {
		io.Copy(out, sb.Stdout())
		close(outDone)
	}()

	stop := func(why string) error {
		if err := a.shutDown(why, func(stopCtx context.Context) { sb.Stop(stopCtx) }); err != nil {
			return err
		}
		select {
		case <-sb.Done():
			return sb.Err() // a crash is reported even if the client left first
		default:
			return nil
		}
	}
	select {
	case <-inDone: // the client closed its end: the session is over
		return stop("")
	case <-ctx.Done(): // interrupted
		return stop(endedBy(ctx))
	case <-sb.Done(): // the server ended by itself
		select {
		case <-outDone:
		case <-time.After(2 * time.Second):
		}
		return sb.Err()
	}
}
