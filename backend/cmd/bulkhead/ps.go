package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func newPsCommand(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List running sandboxes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := a.engine(cmd.Context())
			if err != nil {
				return err
			}
			list, err := eng.List(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(list)
			}
			tw := newTable(a.stdout, "SERVER", "CONTAINER", "STATE", "STATUS", "IMAGE")
			for _, s := range list {
				tw.row(s.Server, s.Name, s.State, s.Status, s.Image)
			}
			return tw.flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newStopCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stop NAME",
		Short: "Stop every sandbox of a server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.engine(cmd.Context())
			if err != nil {
				return err
			}
			n, err := eng.StopServer(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("server %q is not running: `bulkhead ps` lists what is", args[0])
			}
			fmt.Fprintf(a.stdout, "stopped %d sandbox(es) of %s\n", n, args[0])
			return nil
		},
	}
}
