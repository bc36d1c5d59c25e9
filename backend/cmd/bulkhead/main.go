// Command bulkhead runs MCP servers in locked-down containers.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code. Every failure is
// one line on stderr: stdout may be an MCP session.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	defer a.close()
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		msg := oneLine(err.Error())
		if store.DiskFull(err) {
			msg = store.DiskFullMessage + " (" + msg + ")"
		}
		fmt.Fprintln(stderr, "bulkhead: "+msg)
		return 1
	}
	return 0
}

func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "bulkhead",
		Short: "Run MCP servers in locked-down containers",
		Long: `Bulkhead runs each MCP server in a container with no network, no host files,
a read-only root, no capabilities, a non-root user and resource limits, and
pins the image you approved.`,
		Version:           version,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	root.PersistentFlags().StringVar(&a.homeFlag, "home", "", "Bulkhead's state directory (default $BULKHEAD_HOME or the user config dir)")
	root.PersistentFlags().StringVar(&a.catalogFlag, "catalog", "", "user catalog file (default $BULKHEAD_CATALOG or <home>/catalog.yaml)")
	root.AddCommand(
		newCatalogCommand(a),
		newRunCommand(a),
		newGatewayCommand(a),
		newServeCommand(a),
		newUICommand(a),
		newBridgeCommand(a),
		newClientCommand(a),
		newToggleCommand(a, true),
		newToggleCommand(a, false),
		newPsCommand(a),
		newStopCommand(a),
		newLogsCommand(a),
		newImageCommand(a),
		newChangesCommand(a),
		newHoldsCommand(a),
		newScanCommand(a),
		newConfirmCommand(a),
		newEgressCommand(a),
		newSecretCommand(a),
		newApprovalsCommand(a),
		newApproveCommand(a),
		newDenyCommand(a),
		newPolicyCommand(a),
		newSettingsCommand(a),
		newAuditCommand(a),
		newDoctorCommand(a),
		newRelayCommand(),
		newEgressProxyCommand(),
	)
	return root
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
