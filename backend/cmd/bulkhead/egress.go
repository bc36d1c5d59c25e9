package main

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/egress"
)

// newEgressProxyCommand is what the egress proxy container runs; people don't.
func newEgressProxyCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "egress-proxy SUBNET HOST:PORT...",
		Short:  "Serve the allow-list proxy inside a sandbox's egress container",
		Hidden: true,
		Args:   cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			subnet, err := netip.ParsePrefix(args[0])
			if err != nil {
				return fmt.Errorf("egress subnet %q: %v", args[0], err)
			}
			var grants []catalog.HostPort
			for _, a := range args[1:] {
				g, err := catalog.ParseHostPort(a)
				if err != nil {
					return err
				}
				grants = append(grants, g)
			}
			l, err := egress.ListenInside(subnet)
			if err != nil {
				return err
			}
			return egress.Serve(l, grants, os.Stdout)
		},
	}
}
