package main

import (
	"fmt"
	htmlpkg "html"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/secrets"
)

func newUICommand(a *app) *cobra.Command {
	addr := defaultServeAddr
	var print bool
	cmd := &cobra.Command{
		Use:   "ui [--addr HOST:PORT] [--print]",
		Short: "Open the web UI of a running `bulkhead serve` in the browser",
		Long: `Open the web UI in the default browser, signed in with the API token. The
token travels in the address's fragment, which the browser never sends over
the network; the page keeps it for the tab only. --print writes the address
to stdout instead (it holds the token: do not paste it anywhere shared).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return fmt.Errorf("--addr %q: want HOST:PORT, e.g. %s", addr, defaultServeAddr)
			}
			if host == "" {
				host = "127.0.0.1"
			}
			home, err := a.home()
			if err != nil {
				return err
			}
			token, err := secrets.Token(apiTokenPath(home))
			if err != nil {
				return err
			}
			url := "http://" + net.JoinHostPort(host, port) + "/#token=" + token
			if print {
				fmt.Fprintln(a.stdout, url)
				return nil
			}
			if err := openBrowser(home, url); err != nil {
				return fmt.Errorf("could not start a browser (%v): run `bulkhead ui --print` and open the address yourself", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", addr, "the address `bulkhead serve` listens on")
	cmd.Flags().BoolVar(&print, "print", false, "print the address with its token instead of opening it")
	return cmd
}

// openBrowser opens url, which holds the token, without putting it in any
// process's arguments (other users can read those): the browser is handed
// a page in the user's own home that forwards to url, as Jupyter does.
func openBrowser(home, url string) error {
	page := filepath.Join(home, "ui-open.html")
	html := `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=` + htmlpkg.EscapeString(url) +
		`"><title>Bulkhead</title><a href="` + htmlpkg.EscapeString(url) + `">Open Bulkhead</a>`
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		return err
	}
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", page).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", page).Start()
	default:
		return exec.Command("xdg-open", page).Start()
	}
}
