package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/clientconfig"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
)

func newClientCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Connect MCP clients to Bulkhead"}
	var (
		servers []string
		url     string
		name    string
		write   bool
		desktop string
	)
	config := &cobra.Command{
		Use:   "config CLIENT",
		Short: "Print (or --write) the entry that points CLIENT at the gateway",
		Long: `Print the configuration entry that makes CLIENT start the Bulkhead gateway
over stdio, serving the enabled servers (or those named with --server), or
reach a running gateway with --http URL, or the Docker Desktop extension's
gateway with --docker-desktop IMAGE (through a ` + "`bulkhead bridge`" + ` container).
With --write, merge it into the client's own file, keeping everything else and
backing the file up first.

CLIENT is one of: ` + strings.Join(clientconfig.Names(), ", ") + `.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ok := clientconfig.Clients[args[0]]
			if !ok {
				return fmt.Errorf("unknown client %q: use one of %s", args[0], strings.Join(clientconfig.Names(), ", "))
			}
			target, err := a.clientTarget(servers, url)
			if desktop != "" {
				target, err = clientconfig.Target{Command: "docker", Args: bridgeRunArgs(desktop, ExtensionRunVolume)}, nil
			}
			if err != nil {
				return err
			}
			entry, err := c.Entry(target)
			if err != nil {
				return err
			}
			if !write {
				_, err := a.stdout.Write(c.Document(name, entry))
				return err
			}
			userHome, err := os.UserHomeDir()
			if err != nil {
				return err
			}
			path, err := c.FilePath(userHome)
			if err != nil {
				return err
			}
			backup, err := c.Merge(path, name, entry)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %q to %s", name, path)
			if backup != "" {
				fmt.Fprintf(a.stdout, " (previous file kept as %s)", backup)
			}
			fmt.Fprintf(a.stdout, "; restart %s to pick it up\n", c.Name)
			return nil
		},
	}
	fl := config.Flags()
	fl.StringArrayVar(&servers, "server", nil, "fix the servers the gateway serves (default: whatever is enabled when it starts)")
	fl.StringVar(&url, "http", "", "reach a running `bulkhead gateway --http` at this URL instead of starting one")
	fl.StringVar(&desktop, "docker-desktop", "", "reach the Docker Desktop extension's gateway, through this extension image")
	fl.StringVar(&name, "name", "bulkhead", "the entry's name in the client")
	fl.BoolVar(&write, "write", false, "merge the entry into the client's configuration file")
	cmd.AddCommand(config)
	return cmd
}

// clientTarget is what a client entry starts or reaches. A stdio entry
// names this binary and, when they are not the defaults, this home and
// catalog: the client will not have the user's shell environment.
func (a *app) clientTarget(servers []string, url string) (clientconfig.Target, error) {
	home, err := a.home()
	if err != nil {
		return clientconfig.Target{}, err
	}
	if url != "" {
		token, err := gateway.Token(home)
		if err != nil {
			return clientconfig.Target{}, err
		}
		return clientconfig.Target{URL: url, Token: token}, nil
	}
	for _, s := range servers {
		if _, err := a.entry(s); err != nil {
			return clientconfig.Target{}, err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return clientconfig.Target{}, err
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	var args []string
	if a.homeFlag != "" || os.Getenv("BULKHEAD_HOME") != "" {
		args = append(args, "--home", home)
	}
	if cat := a.catalogPath(); cat != "" {
		abs, _ := filepath.Abs(cat)
		args = append(args, "--catalog", abs)
	}
	args = append(args, "gateway", "--stdio")
	for _, s := range servers {
		args = append(args, "--server", s)
	}
	return clientconfig.Target{Command: self, Args: args}, nil
}
