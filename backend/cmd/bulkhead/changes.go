package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

func newChangesCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "changes [SERVER]",
		Short: "List definitions withheld because they are new or changed since approval",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			server := ""
			if len(args) == 1 {
				server = args[0]
			}
			changes, err := st.DefinitionChanges(cmd.Context(), server)
			if err != nil {
				return err
			}
			if len(changes) == 0 {
				fmt.Fprintln(a.stdout, "nothing is withheld")
				return nil
			}
			tw := newTable(a.stdout, "SERVER", "KIND", "NAME", "WHY", "SEEN", "HASH")
			for _, c := range changes {
				tw.row(c.Server, c.Kind, orDash(c.Name), c.Reason, c.SeenAt.Local().Format("2006-01-02 15:04"), c.Hash[:12])
			}
			return tw.flush()
		},
	}
	kind := store.KindTool
	diff := &cobra.Command{
		Use:   "diff SERVER NAME",
		Short: "Show a withheld definition field by field against the approved version",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, pin, err := withheld(cmd.Context(), a, args[0], kind, args[1])
			if err != nil {
				return err
			}
			fields, err := trust.Diff(pin, c.Definition)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s %s of server %s is %s (invisible and control characters are shown escaped)\n",
				c.Kind, sandbox.EscapeControl(c.Name), c.Server, c.Reason)
			var findings []scan.Finding
			json.Unmarshal([]byte(c.Findings), &findings)
			if len(findings) > 0 {
				fmt.Fprintln(a.stdout, "\nscanner findings:")
				for _, f := range findings {
					fmt.Fprintf(a.stdout, "  %s\n", f)
				}
			}
			for _, f := range fields {
				fmt.Fprintf(a.stdout, "\n%s\n", sandbox.EscapeControl(f.Path))
				if f.Old != "" {
					fmt.Fprintf(a.stdout, "  - %s\n", sandbox.EscapeControl(f.Old))
				}
				if f.New != "" {
					fmt.Fprintf(a.stdout, "  + %s\n", sandbox.EscapeControl(f.New))
				}
			}
			fmt.Fprintf(a.stdout, "\nto approve exactly this version: bulkhead changes approve %s %s %s", c.Server, c.Name, c.Hash)
			if kind != store.KindTool {
				fmt.Fprintf(a.stdout, " --kind %s", kind)
			}
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
	approve := &cobra.Command{
		Use:   "approve SERVER NAME HASH",
		Short: "Approve the withheld version of a definition that `changes diff` showed",
		Long: `Approve the withheld version whose hash is HASH (printed by bulkhead changes
diff). If the server has changed the definition again since, nothing is
approved. A running gateway picks the approval up within seconds.`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			err = st.ApproveDefinition(cmd.Context(), args[0], kind, args[1], args[2], approver())
			switch {
			case errors.Is(err, store.ErrChangedAgain):
				return fmt.Errorf("%v: run `bulkhead changes diff %s %s` and review the current version", err, args[0], args[1])
			case errors.Is(err, store.ErrNotFound):
				return notWithheld(args[0], kind, args[1])
			case err != nil:
				return err
			}
			fmt.Fprintf(a.stdout, "approved %s %s of %s\n", kind, args[1], args[0])
			return nil
		},
	}
	for _, c := range []*cobra.Command{diff, approve} {
		c.Flags().StringVar(&kind, "kind", kind, "tool, prompt, resource-template or instructions")
	}
	cmd.AddCommand(diff, approve)
	return cmd
}

// withheld finds a withheld version and the approved one it would replace
// ("" for a new definition).
func withheld(ctx context.Context, a *app, server, kind, name string) (store.DefinitionChange, string, error) {
	st, err := a.store(ctx)
	if err != nil {
		return store.DefinitionChange{}, "", err
	}
	changes, err := st.DefinitionChanges(ctx, server)
	if err != nil {
		return store.DefinitionChange{}, "", err
	}
	for _, c := range changes {
		if c.Kind == kind && c.Name == name {
			pins, err := st.DefinitionPins(ctx, server)
			if err != nil {
				return c, "", err
			}
			for _, p := range pins {
				if p.Kind == kind && p.Name == name {
					return c, p.Definition, nil
				}
			}
			return c, "", nil
		}
	}
	return store.DefinitionChange{}, "", notWithheld(server, kind, name)
}

func notWithheld(server, kind, name string) error {
	return fmt.Errorf("nothing of server %q named %q is withheld (kind %s); `bulkhead changes` lists what is", server, name, kind)
}
