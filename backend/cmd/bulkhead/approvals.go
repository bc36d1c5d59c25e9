package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

func newApprovalsCommand(a *app) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List tool calls held for your approval, with their full arguments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			limit := 0
			if all {
				limit = 100
			}
			held, err := st.Approvals(cmd.Context(), !all, limit)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(held)
			}
			if len(held) == 0 {
				fmt.Fprintln(a.stdout, "no calls are waiting for approval")
				return nil
			}
			for _, h := range held {
				printApproval(a, h)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the 100 newest decided calls")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printApproval shows one held call; everything a server or agent chose
// (tool, arguments, client name) is escaped, so it cannot draw on the
// terminal.
func printApproval(a *app, h store.Approval) {
	state := "waiting, denied at " + h.Deadline.Local().Format("15:04:05")
	if h.Owner == "" && h.Decision == "" {
		state = "waiting; its gateway ended, a retry of the same call takes it up"
	}
	if h.Decision != "" {
		state = h.Decision + " by " + h.DecidedBy
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "held call %d\t%s\n", h.ID, state)
	fmt.Fprintf(tw, "  tool\t%s of server %s\n", sandbox.EscapeControl(h.Tool), h.Server)
	fmt.Fprintf(tw, "  client\t%s, %s\n", sandbox.EscapeControl(h.Client), h.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	fmt.Fprintf(tw, "  why held\t%s\n", h.Reason)
	var findings []scan.Finding
	json.Unmarshal([]byte(h.Findings), &findings)
	for _, f := range findings {
		fmt.Fprintf(tw, "  finding\t%s: %s %s\n", f.Rule, f.Reason, sandbox.EscapeControl(f.Excerpt))
	}
	tw.Flush()
	if len(h.Arguments) > 0 {
		// Re-encoded JSON escapes control characters in strings; the line
		// escape is for arguments that were not valid JSON.
		pretty := string(h.Arguments)
		var v any
		if json.Unmarshal(h.Arguments, &v) == nil {
			b, _ := json.MarshalIndent(v, "", "  ")
			pretty = string(b)
		}
		fmt.Fprintf(a.stdout, "  arguments (sha256:%s)\n", h.ArgsHash[:12])
		for _, line := range strings.Split(pretty, "\n") {
			fmt.Fprintf(a.stdout, "    %s\n", sandbox.EscapeControl(line))
		}
	}
	if h.Decision == "" {
		fmt.Fprintf(a.stdout, "  decide: bulkhead approve %d [--session | --always | --always-exact]   or   bulkhead deny %d\n", h.ID, h.ID)
	}
	fmt.Fprintln(a.stdout)
}

func newApproveCommand(a *app) *cobra.Command {
	var session, always, exact bool
	cmd := &cobra.Command{
		Use:   "approve ID",
		Short: "Let a held call run (once, or for the session, or always)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			decision := store.AllowOnce
			switch {
			case session && (always || exact), always && exact:
				return errors.New("choose one of --session, --always, --always-exact")
			case session:
				decision = store.AllowSession
			case always:
				decision = store.AllowAlways
			case exact:
				decision = store.AllowAlwaysExact
			}
			return decide(a, cmd, args[0], decision)
		},
	}
	cmd.Flags().BoolVar(&session, "session", false, "also allow this tool for the rest of the client's session")
	cmd.Flags().BoolVar(&always, "always", false, "always allow this tool (sets a rule)")
	cmd.Flags().BoolVar(&exact, "always-exact", false, "always allow this tool with exactly these arguments (sets a rule)")
	return cmd
}

func newDenyCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "deny ID",
		Short: "Decline a held call; the client is told a person declined it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return decide(a, cmd, args[0], store.Deny)
		},
	}
}

func decide(a *app, cmd *cobra.Command, idArg, decision string) error {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil {
		return fmt.Errorf("held call id %q is not a number: see `bulkhead approvals`", idArg)
	}
	st, err := a.store(cmd.Context())
	if err != nil {
		return err
	}
	h, err := policy.Resolve(cmd.Context(), st, id, decision, approver())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no held call %d: see `bulkhead approvals`", id)
	case errors.Is(err, store.ErrDecided):
		return fmt.Errorf("held call %d was decided already (%s by %s)", id, h.Decision, h.DecidedBy)
	case err != nil:
		return err
	}
	fmt.Fprintf(a.stdout, "held call %d (%s of %s): %s\n", id, sandbox.EscapeControl(h.Tool), h.Server, decision)
	return nil
}

func newSettingsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "settings [KEY [VALUE]]",
		Short: "Show or change settings of approvals and the audit log",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 2 {
				if err := policy.SaveSetting(cmd.Context(), st, args[0], args[1], approver()); err != nil {
					return err
				}
			}
			s, err := policy.LoadSettings(cmd.Context(), st)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			for _, kv := range policy.SettingKeys() {
				if len(args) > 0 && kv[0] != args[0] {
					continue
				}
				v, _ := s.Get(kv[0])
				fmt.Fprintf(tw, "%s\t%s\t%s\n", kv[0], v, kv[1])
			}
			if len(args) == 1 {
				if _, err := s.Get(args[0]); err != nil {
					return err
				}
			}
			return tw.Flush()
		},
	}
}
