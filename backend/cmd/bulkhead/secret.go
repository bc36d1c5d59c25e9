package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// maxSecretBytes bounds a value read from stdin; environment variables far
// larger than this are a mistake (a file piped in by accident).
const maxSecretBytes = 64 << 10

func newSecretCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Set, list and remove the secrets servers get as environment",
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "set SERVER NAME",
			Short: "Store a secret the server declares; the value is read from stdin, never from arguments",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				server, name := args[0], args[1]
				e, err := a.entry(server)
				if err != nil {
					return err
				}
				if !slices.Contains(e.Secrets, name) {
					return fmt.Errorf("server %q declares no secret %s (it declares %v); only declared secrets reach a server", server, name, e.Secrets)
				}
				value, err := readSecret(a, name)
				if err != nil {
					return err
				}
				v, err := a.vault(cmd.Context())
				if err != nil {
					return err
				}
				if err := v.Set(cmd.Context(), server, name, value); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "secret %s of %s set; it reaches the server at its next start\n", name, server)
				return nil
			},
		},
		&cobra.Command{
			Use:   "ls [SERVER]",
			Short: "List stored secrets by name (values are never shown)",
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
				stored, err := st.Secrets(cmd.Context(), server)
				if err != nil {
					return err
				}
				if len(stored) == 0 {
					fmt.Fprintln(a.stdout, "no secrets stored")
					return nil
				}
				tw := newTable(a.stdout, "SERVER", "NAME", "UPDATED")
				for _, s := range stored {
					tw.row(s.Server, s.Name, s.UpdatedAt.Local().Format("2006-01-02 15:04:05"))
				}
				return tw.flush()
			},
		},
		&cobra.Command{
			Use:   "rm SERVER NAME",
			Short: "Remove a stored secret",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				st, err := a.store(cmd.Context())
				if err != nil {
					return err
				}
				err = st.DeleteSecret(cmd.Context(), args[0], args[1])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no secret %s stored for %s: `bulkhead secret ls` lists them", args[1], args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "secret %s of %s removed\n", args[1], args[0])
				return nil
			},
		},
	)
	return cmd
}

// readSecret reads a value from stdin: typed without echo at a terminal,
// or piped, without the one line ending a pipe adds.
func readSecret(a *app, name string) ([]byte, error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(a.stderr, "value of %s (not echoed): ", name)
		value, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, fmt.Errorf("read the value of %s: %v", name, err)
		}
		return checkSecret(name, value)
	}
	value, err := io.ReadAll(io.LimitReader(a.stdin, maxSecretBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the value of %s from stdin: %v", name, err)
	}
	if len(value) > maxSecretBytes {
		return nil, fmt.Errorf("the value of %s is over %d KiB; pipe the secret itself, not a file of them", name, maxSecretBytes>>10)
	}
	value = bytes.TrimSuffix(value, []byte("\n"))
	value = bytes.TrimSuffix(value, []byte("\r"))
	return checkSecret(name, value)
}

func checkSecret(name string, value []byte) ([]byte, error) {
	switch {
	case len(value) == 0:
		return nil, fmt.Errorf("the value of %s is empty; pipe it in, e.g. `printf %%s \"$TOKEN\" | bulkhead secret set SERVER %s`", name, name)
	case bytes.IndexByte(value, 0) >= 0:
		return nil, fmt.Errorf("the value of %s contains a NUL byte, which environment variables cannot carry", name)
	}
	return value, nil
}
