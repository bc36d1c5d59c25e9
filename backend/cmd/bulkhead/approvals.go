package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
			now := time.Now()
			for _, h := range held {
				printApproval(a, h, now)
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
// terminal. The arguments are the bytes the call runs with, never decoded
// and encoded again, under warnings of how a server could read them
// otherwise (policy.ShowArguments, as the web UI shows them).
func printApproval(a *app, h store.Approval, now time.Time) {
	at := h.Deadline.Local().Format("15:04:05")
	var state string
	status := policy.StateOf(h, now)
	switch status {
	case policy.StateDecided:
		state = h.Decision + " by " + h.DecidedBy
	case policy.StateExpired:
		state = "expired at " + at + " without a decision: nothing can allow it now"
	case policy.StatePending:
		state = "waiting, denied at " + at
		if h.Owner == "" {
			state = "waiting; its gateway ended, a retry of the same call takes it up"
		}
	}
	tw := newTable(a.stdout)
	tw.row(fmt.Sprintf("held call %d", h.ID), state)
	tw.row("  tool", h.Tool+" of server "+h.Server)
	tw.row("  client", h.Client+", "+h.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	tw.row("  why held", h.Reason)
	var findings []scan.Finding
	json.Unmarshal([]byte(h.Findings), &findings)
	for _, f := range findings {
		tw.row("  finding", f.Rule+": "+f.Reason+" "+f.Excerpt)
	}
	tw.flush()
	if len(h.Arguments) > 0 {
		shown := policy.ShowArguments(h.Arguments)
		for _, w := range shown.Warnings {
			fmt.Fprintf(a.stdout, "  WARNING %s\n", w)
		}
		fmt.Fprintf(a.stdout, "  arguments (sha256:%s)\n", h.ArgsHash[:12])
		for _, line := range strings.Split(shown.Text, "\n") {
			fmt.Fprintf(a.stdout, "    %s\n", line)
		}
	}
	if status == policy.StatePending {
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
			tw := newTable(a.stdout)
			for _, kv := range policy.SettingKeys() {
				if len(args) > 0 && kv[0] != args[0] {
					continue
				}
				v, _ := s.Get(kv[0])
				tw.row(kv[0], v, kv[1])
			}
			if len(args) == 1 {
				if _, err := s.Get(args[0]); err != nil {
					return err
				}
			}
			return tw.flush()
		},
	}
}
