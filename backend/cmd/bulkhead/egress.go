package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/egress"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// newEgressProxyCommand is what the egress proxy container runs; people don't.
func newEgressProxyCommand() *cobra.Command {
	var host []string
	cmd := &cobra.Command{
		Use:    "egress-proxy SUBNET HOST:PORT... [--host-address ADDR]...",
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
			var hostAddrs []netip.Addr
			for _, h := range host {
				a, err := netip.ParseAddr(h)
				if err != nil {
					return fmt.Errorf("egress host address %q: %v", h, err)
				}
				hostAddrs = append(hostAddrs, a)
			}
			ls, err := egress.ListenInside(subnet, egress.Ports(grants))
			if err != nil {
				return err
			}
			return untilSignal(cmd.Context(), func() error { return egress.Serve(ls, grants, hostAddrs, os.Stdout) })
		},
	}
	cmd.Flags().StringArrayVar(&host, "host-address", nil, "an address of the Docker host, which no granted name may lead to")
	return cmd
}

// recordEgress writes proxy events to the state database; a failure to
// record is said on stderr, never silently lost.
func recordEgress(a *app, st *store.Store) func(string, egress.Event) {
	return func(server string, ev egress.Event) {
		err := st.AddEgressEvent(context.Background(), store.EgressEvent{Server: server, At: ev.Time, Method: ev.Method,
			Host: ev.Host, Port: ev.Port, Address: ev.Address, Allowed: ev.Allowed, Reason: ev.Reason})
		if err != nil {
			fmt.Fprintf(a.stderr, "bulkhead: could not record an egress event of %s: %v\n", server, err)
		}
	}
}

func newEgressCommand(a *app) *cobra.Command {
	limit := 100
	cmd := &cobra.Command{
		Use:   "egress [SERVER]",
		Short: "List the connections servers' egress proxies allowed and refused",
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
			events, err := st.EgressEvents(cmd.Context(), server, limit)
			if err != nil {
				return err
			}
			if len(events) == 0 {
				fmt.Fprintln(a.stdout, "no egress recorded")
				return nil
			}
			tw := newTable(a.stdout, "TIME", "SERVER", "VERDICT", "METHOD", "DESTINATION", "ADDRESS", "REASON")
			for _, e := range events {
				verdict := "allowed"
				if !e.Allowed {
					verdict = "refused"
				}
				tw.row(e.At.Local().Format("2006-01-02 15:04:05"), e.Server, verdict, e.Method, net.JoinHostPort(e.Host, strconv.Itoa(e.Port)),
					orDash(e.Address), orDash(e.Reason))
			}
			return tw.flush()
		},
	}
	cmd.Flags().IntVar(&limit, "last", limit, "how many of the newest events to show")
	return cmd
}
