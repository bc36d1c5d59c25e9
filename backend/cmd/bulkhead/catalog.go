package main

import (
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

func newCatalogCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "Inspect the server catalog"}
	var asJSON bool
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the servers Bulkhead can run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(cat.Entries)
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			toggles, err := st.Toggles(cmd.Context())
			if err != nil {
				return err
			}
			tw := newTable(a.stdout, "NAME", "ENABLED", "PUBLISHER", "IMAGE", "NETWORK", "MOUNTS", "SOURCE")
			for _, e := range cat.Entries {
				tw.row(e.Name, yesNo(toggles.Servers[e.Name]), orDash(e.Publisher), e.Image, e.Permissions.Network, mounts(e.Permissions.Mounts), source(e.Source))
			}
			return tw.flush()
		},
	}
	ls.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	cmd.AddCommand(ls)
	return cmd
}

func mounts(ms []catalog.Mount) string {
	if len(ms) == 0 {
		return "-"
	}
	var s []string
	for _, m := range ms {
		mode := "ro"
		if m.Write {
			mode = "rw"
		}
		s = append(s, m.Host+":"+mode)
	}
	return strings.Join(s, ",")
}

func source(s catalog.Source) string {
	if s.Builtin {
		return "built-in (verified)"
	}
	return s.String() + " (unverified)"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
