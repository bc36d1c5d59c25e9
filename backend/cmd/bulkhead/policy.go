package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
)

func loadAdmin() (policy.Admin, error) { return policy.LoadAdmin() }

// splitTarget reads SERVER or SERVER/TOOL.
func splitTarget(s string) (server, tool string) {
	server, tool, _ = strings.Cut(s, "/")
	return server, tool
}

func newPolicyCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Show and set what tool calls may do: allow, ask a person, or deny",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show [SERVER]",
		Short: "Show the rules you set, the administrator's, and the defaults",
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
			rules, err := st.Rules(cmd.Context(), server)
			if err != nil {
				return err
			}
			admin, err := loadAdmin()
			if err != nil {
				return err
			}
			tw := newTable(a.stdout, "SERVER", "TOOL", "ARGUMENTS", "ACTION", "SET BY")
			for _, r := range rules {
				args := "any"
				if r.ArgsHash != "" {
					args = "sha256:" + r.ArgsHash[:12]
				}
				tw.row(r.Server, orStar(r.Tool), args, r.Action, r.SetBy)
			}
			for _, r := range admin.Tools {
				if server == "" || r.Server == server || r.Server == "*" {
					tw.row(r.Server, orStar(r.Tool), "any", r.Action, "administrator ("+admin.Source+")")
				}
			}
			tw.flush()
			fmt.Fprintln(a.stdout, "\nwithout a rule: ask; allow for a read-only, non-destructive tool of a verified or person-approved server.")
			fmt.Fprintln(a.stdout, "the administrator's rules win over yours; the most specific of yours wins (exact arguments, tool, server).")
			return nil
		},
	}, &cobra.Command{
		Use:   "set SERVER[/TOOL] allow|ask|deny",
		Short: "Set what calls to a server, or one of its tools, do",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			server, tool := splitTarget(args[0])
			action, err := policy.ParseAction(args[1])
			if err != nil {
				return err
			}
			if _, err := a.entry(server); err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if err := policy.SetRule(cmd.Context(), st, server, tool, action, approver()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %s\n", args[0], action)
			return nil
		},
	}, &cobra.Command{
		Use:   "unset SERVER[/TOOL]",
		Short: "Remove a rule you set; the defaults apply again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server, tool := splitTarget(args[0])
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if err := st.DeleteRule(cmd.Context(), server, tool, ""); err != nil {
				return fmt.Errorf("no rule for %s: `bulkhead policy show` lists them", args[0])
			}
			fmt.Fprintf(a.stdout, "%s: rule removed\n", args[0])
			return nil
		},
	})
	return cmd
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
