package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/relay"
)

// newRelayCommand is what the relay helper container runs; people don't.
func newRelayCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "relay URL",
		Short:  "Carry HTTP/2 on stdio to a server's streamable-HTTP endpoint (runs inside a helper container)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := url.Parse(args[0])
			if err != nil || target.Scheme != "http" || target.Host == "" {
				return fmt.Errorf("relay target %q: want http://host:port", args[0])
			}
			return untilSignal(cmd.Context(), func() error { return relay.Serve(os.Stdin, os.Stdout, target) })
		},
	}
}

// helperBinary is the static Linux bulkhead that helper containers run:
// this executable on Linux, else bulkhead-linux-<arch> beside it.
func helperBinary() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return ""
	}
	if runtime.GOOS == "linux" {
		return exe
	}
	return filepath.Join(filepath.Dir(exe), "bulkhead-linux-"+runtime.GOARCH)
}
