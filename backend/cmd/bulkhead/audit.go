package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func newAuditCommand(a *app) *cobra.Command {
	var f store.AuditFilter
	var since, format string
	f.Limit = 100
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of tool calls, or export it as JSON or CSV",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if since != "" {
				t, err := parseSince(since)
				if err != nil {
					return err
				}
				f.Since = t
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			entries, err := st.Audit(cmd.Context(), f)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(a.stdout)
				for _, e := range entries {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			case "csv":
				return store.WriteAuditCSV(a.stdout, entries)
			case "table":
			default:
				return fmt.Errorf("--format %q: use table, json or csv", format)
			}
			if len(entries) == 0 {
				fmt.Fprintln(a.stdout, "no calls recorded")
				return nil
			}
			tw := newTable(a.stdout, "TIME", "CLIENT", "SERVER", "TOOL", "DECISION", "BY", "STATUS", "MS", "ARGS")
			for _, e := range entries {
				tw.row(e.At.Local().Format("2006-01-02 15:04:05"), e.Client, e.Server, e.Tool, e.Decision, e.DecidedBy, e.Status, e.LatencyMS, e.ArgsDigest[:12])
			}
			return tw.flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Server, "server", "", "only this server")
	fl.StringVar(&f.Tool, "tool", "", "only this tool")
	fl.StringVar(&f.Client, "client", "", "only this client (name and version, as listed)")
	fl.StringVar(&f.Decision, "decision", "", "only this decision (allow, deny, allow_once, timeout, ...)")
	fl.StringVar(&f.Status, "status", "", "only this status (ok, error, tool error, denied)")
	fl.StringVar(&since, "since", "", "only entries since a time (RFC 3339 or a date) or a duration ago (e.g. 24h)")
	fl.IntVar(&f.Limit, "last", f.Limit, "the newest N entries; 0 for all")
	fl.StringVar(&format, "format", "table", "table, json (one object per line) or csv")
	return cmd
}

func parseSince(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration (24h) or a time (2026-12-01 or RFC 3339)", s)
}
