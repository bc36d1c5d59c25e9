package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

func newHoldsCommand(a *app) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "holds",
		Short: "List results held for a person (servers with results: hold)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			holds, err := st.Holds(cmd.Context(), !all)
			if err != nil {
				return err
			}
			if len(holds) == 0 {
				fmt.Fprintln(a.stdout, "nothing is held")
				return nil
			}
			tw := newTable(a.stdout, "ID", "SERVER", "WHAT", "HELD", "DECISION", "FOUND")
			for _, h := range holds {
				var findings []scan.Finding
				json.Unmarshal([]byte(h.Findings), &findings)
				var rules []string
				for _, f := range findings {
					rules = append(rules, f.Rule)
				}
				tw.row(h.ID, h.Server, h.Subject, h.CreatedAt.Local().Format("2006-01-02 15:04:05"),
					orDash(h.Decision), strings.Join(slices.Compact(slices.Sorted(slices.Values(rules))), ", "))
			}
			return tw.flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list decided holds")
	for _, d := range []struct{ decision, short string }{
		{store.Release, "Let a held result through to the client that asked"},
		{store.Refuse, "Refuse a held result; the client gets an error"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   d.decision + " ID",
			Short: d.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return fmt.Errorf("hold id %q is not a number: see `bulkhead holds`", args[0])
				}
				st, err := a.store(cmd.Context())
				if err != nil {
					return err
				}
				switch err := st.DecideHold(cmd.Context(), id, d.decision, approver()); {
				case errors.Is(err, store.ErrNotFound):
					return fmt.Errorf("no hold %d: see `bulkhead holds`", id)
				case errors.Is(err, store.ErrDecided):
					h, _ := st.GetHold(cmd.Context(), id)
					return fmt.Errorf("hold %d was decided already (%s by %s)", id, h.Decision, h.DecidedBy)
				case err != nil:
					return err
				}
				fmt.Fprintf(a.stdout, "hold %d: %s\n", id, d.decision)
				return nil
			},
		})
	}
	return cmd
}
