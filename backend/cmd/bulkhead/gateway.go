package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

type gatewayFlags struct {
	stdio       bool
	servers     []string
	eager       bool
	separator   string
	callTimeout time.Duration
	pull        string
}

func newGatewayCommand(a *app) *cobra.Command {
	f := gatewayFlags{pull: string(sandbox.PullMissing)}
	cmd := &cobra.Command{
		Use:   "gateway --stdio --server NAME...",
		Short: "Serve the chosen servers as one MCP endpoint",
		Long: `Serve every chosen catalog server, each in its own sandbox, as one MCP
server: tools and prompts appear as SERVER__NAME, resources under their own
URIs. Servers start when a client first needs them (or at once with --eager)
and are restarted, with back-off, if they crash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGateway(cmd.Context(), a, f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.stdio, "stdio", false, "speak MCP on this process's stdin and stdout")
	fl.StringArrayVar(&f.servers, "server", nil, "a catalog server to serve (repeat for more)")
	fl.BoolVar(&f.eager, "eager", false, "start every server at once instead of on first use")
	fl.StringVar(&f.separator, "separator", "__", "joins server and tool names")
	fl.DurationVar(&f.callTimeout, "call-timeout", 10*time.Minute, "longest a forwarded request may take")
	fl.StringVar(&f.pull, "pull", f.pull, "when to pull images: missing, always or never")
	return cmd
}

func runGateway(ctx context.Context, a *app, f gatewayFlags) error {
	if !f.stdio {
		return errors.New("choose a transport: --stdio")
	}
	if len(f.servers) == 0 {
		return errors.New("no servers to serve: name them with --server NAME (repeatable); `bulkhead catalog ls` lists them")
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	eng, err := a.engine(ctx)
	if err != nil {
		return err
	}
	var backends []gateway.Backend
	for _, name := range f.servers {
		e, err := a.entry(name)
		if err != nil {
			return err
		}
		backends = append(backends, &gateway.Sandboxed{Engine: eng, Store: st, Entry: e, Pull: sandbox.PullPolicy(f.pull), Progress: a.stderr})
	}
	if n, err := eng.Reap(ctx); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "bulkhead: removed %d container(s) left by an earlier run\n", n)
	}
	g, err := gateway.New(backends, gateway.Options{
		Separator: f.separator, Eager: f.eager, CallTimeout: f.callTimeout, Version: version,
		Logger: slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		defer cancel()
		g.Close(stopCtx)
	}()
	g.Start(ctx)
	err = g.Server().Run(ctx, &mcp.IOTransport{Reader: readCloser{a.stdin}, Writer: writeCloser{a.stdout}})
	if ctx.Err() != nil || errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, io.EOF) {
		return nil // interrupted, or the client went away
	}
	return err
}

// The MCP transport closes what it reads and writes; this process's stdio
// stays open until it exits.
type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }

type writeCloser struct{ io.Writer }

func (writeCloser) Close() error { return nil }
