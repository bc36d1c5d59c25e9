package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

func newToggleCommand(a *app, enable bool) *cobra.Command {
	verb, short := "disable", "Stop serving a server through the gateway, or hide one of its tools"
	if enable {
		verb, short = "enable", "Serve a server through the gateway, or show a hidden tool again"
	}
	return &cobra.Command{
		Use:   verb + " NAME[/TOOL]...",
		Short: short,
		Long: short + `.
Servers are off until enabled; the tools of an enabled server are shown
unless disabled. Running gateways follow within seconds: a tool is hidden
or shown, a server disabled stops and one enabled again starts. A gateway
serves only the servers it started with: one enabled since joins at its
restart.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			for _, arg := range args { // check them all before changing any
				server, tool, _ := strings.Cut(arg, "/")
				entry, err := a.entry(server)
				if err != nil {
					return err
				}
				if enable && tool == "" {
					if err := trust.CheckLookalike(cmd.Context(), st, entry); err != nil {
						return err
					}
				}
			}
			for _, arg := range args {
				server, tool, _ := strings.Cut(arg, "/")
				if err := st.SetEnabled(cmd.Context(), server, tool, enable); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%sd %s\n", verb, arg)
			}
			return nil
		},
	}
}
