package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

func newLogsCommand(a *app) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Show a server's stderr (control characters escaped)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := a.home()
			if err != nil {
				return err
			}
			if err := sandbox.CopyServerLog(home, args[0], a.stdout); err != nil {
				return err
			}
			if follow {
				return followLog(cmd.Context(), sandbox.LogPath(home, args[0]), a.stdout)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until interrupted")
	return cmd
}

// followLog prints what is appended to path, reopening it when rotated.
func followLog(ctx context.Context, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	f.Seek(0, io.SeekEnd)
	for {
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(300 * time.Millisecond):
		}
		cur, err1 := os.Stat(path)
		open, err2 := f.Stat()
		if err1 == nil && err2 == nil && !os.SameFile(cur, open) {
			io.Copy(w, f) // the rest of the rotated file
			f.Close()
			if f, err = os.Open(path); err != nil {
				return err
			}
		}
	}
}
