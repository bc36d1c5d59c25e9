package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

func newConfirmCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "confirm NAME",
		Short: "Confirm that a server resembling a verified one is the one you mean",
		Long: `A catalog server whose name, title or image could pass for a verified
(built-in) server is blocked until you confirm it. The confirmation covers
the entry as it is now: a new name, title or image asks again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entry, err := a.entry(args[0])
			if err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			found, err := trust.ConfirmLookalike(cmd.Context(), st, entry, approver())
			if err != nil {
				return err
			}
			if len(found) == 0 {
				fmt.Fprintf(a.stdout, "%s resembles no verified server: nothing to confirm\n", entry.Name)
				return nil
			}
			for _, l := range found {
				fmt.Fprintf(a.stdout, "warning: %s\n", sandbox.EscapeControl(l.String()))
			}
			fmt.Fprintf(a.stdout, "confirmed %s (image %s) as the server you mean\n", entry.Name, entry.Image)
			return nil
		},
	}
}
