package main

import (
	"fmt"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

func newImageCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "See and approve the images servers are pinned to"}
	cmd.AddCommand(&cobra.Command{
		Use:   "ls",
		Short: "List image pins",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			pins, err := st.ImagePins(cmd.Context())
			if err != nil {
				return err
			}
			tw := newTable(a.stdout, "SERVER", "IMAGE", "ID", "REPO DIGEST", "APPROVED", "BY")
			for _, p := range pins {
				tw.row(p.Server, p.Ref, p.ID, orDash(p.RepoDigest), p.ApprovedAt.Local().Format("2006-01-02 15:04"), p.ApprovedBy)
			}
			return tw.flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "approve NAME IMAGE-ID",
		Short: "Approve the image a server's reference resolves to now",
		Long: `Approve the image that NAME's catalog reference resolves to on this engine.
IMAGE-ID must be the ID Bulkhead showed when it blocked the server: if the
reference has moved again since, nothing is approved.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			entry, st, eng, err := a.server(ctx, args[0])
			if err != nil {
				return err
			}
			img, err := eng.ResolveImage(ctx, entry.Image, sandbox.PullNever, a.stderr)
			if err != nil {
				return err
			}
			if err := trust.ApproveImage(ctx, st, entry.Name, img, args[1], approver()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "approved %s for %s\n", img.ID, entry.Name)
			return nil
		},
	})
	return cmd
}

// approver names who approved, for the record.
func approver() string {
	if u, err := user.Current(); err == nil {
		return "user " + u.Username
	}
	return "user"
}
