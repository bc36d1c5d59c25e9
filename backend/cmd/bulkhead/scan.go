package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/gateway"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

func newScanCommand(a *app) *cobra.Command {
	pull := string(sandbox.PullMissing)
	explain := false
	var judged judgeFlags
	cmd := &cobra.Command{
		Use:   "scan [NAME...]",
		Short: "Start catalog servers without their grants, list what they offer and scan it",
		Long: `Start each named server (default: every entry of the user catalog) in its
sandbox with no network and no host files, list its tools, prompts,
resource templates and instructions, and scan them as the gateway would,
each against the tools of the others. Findings are printed with their rule
ids; nothing is pinned or approved. The exit status is 1 when something
would be withheld or a server could not be scanned.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, err := pullPolicy(pull)
			if err != nil {
				return err
			}
			j, err := judged.open()
			if err != nil {
				return err
			}
			entries, err := scanTargets(a, args)
			if err != nil {
				return err
			}
			eng, err := a.engine(cmd.Context())
			if err != nil {
				return err
			}
			offered := map[string][]trust.Definition{}
			tools := map[string]string{}        // tool -> server, for shadowing and look-alikes
			descriptions := map[string]string{} // tool -> description, for copies
			failed := 0
			for _, e := range entries {
				defs, err := gateway.Inspect(cmd.Context(), eng, e, policy, a.stderr)
				if err != nil {
					fmt.Fprintf(a.stdout, "%s: not scanned: %s\n", e.Name, oneLine(err.Error()))
					failed++
					continue
				}
				offered[e.Name] = defs
				for _, d := range defs {
					if d.Kind == store.KindTool {
						tools[d.Name] = e.Name
						descriptions[d.Name] = description(d.Value)
					}
				}
			}
			withheld := 0
			for _, e := range entries {
				defs, ok := offered[e.Name]
				if !ok {
					continue
				}
				others, theirs := map[string]string{}, map[string]string{}
				var own []string
				for t, s := range tools {
					if s == e.Name {
						own = append(own, t)
						continue
					}
					others[t], theirs[t] = s, descriptions[t]
				}
				n, err := printScan(cmd.Context(), a, e, defs, scan.NewContext(others).WithSiblings(own).WithDescriptions(theirs).WithJudge(j), explain)
				if err != nil {
					return err
				}
				withheld += n
			}
			if withheld > 0 || failed > 0 {
				return fmt.Errorf("%d definition(s) would be withheld and %d server(s) could not be scanned (details above); nothing was pinned", withheld, failed)
			}
			fmt.Fprintf(a.stdout, "%d server(s) scanned: nothing would be withheld\n", len(offered))
			return nil
		},
	}
	cmd.Flags().StringVar(&pull, "pull", pull, "when to pull images: missing, always or never")
	cmd.Flags().BoolVar(&explain, "explain", false, "show, for each finding, the rule or learned score and the exact span that caused it")
	judged.add(cmd)
	return cmd
}

// scanTargets are the named entries, or every user catalog entry.
func scanTargets(a *app, names []string) ([]catalog.Entry, error) {
	var entries []catalog.Entry
	for _, name := range names {
		e, err := a.entry(name)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if len(names) > 0 {
		return entries, nil
	}
	c, err := a.catalog()
	if err != nil {
		return nil, err
	}
	for _, e := range c.Entries {
		if !e.Source.Builtin {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("the user catalog has no servers to scan: name built-in ones (bulkhead scan NAME) or add entries to " + a.catalogPath())
	}
	return entries, nil
}

// printScan prints one server's findings and returns how many of its
// definitions would be withheld.
func printScan(ctx context.Context, a *app, e catalog.Entry, defs []trust.Definition, others *scan.Context, explain bool) (int, error) {
	fmt.Fprintf(a.stdout, "%s (%s, %s): %d definition(s)\n", e.Name, e.Image, e.Source, len(defs))
	if found := trust.Lookalikes(e, catalog.Builtin()); len(found) > 0 {
		for _, l := range found {
			fmt.Fprintf(a.stdout, "  warning: %s\n", sandbox.EscapeControl(l.String()))
		}
		fmt.Fprintf(a.stdout, "  it runs only once you confirm it is the server you mean: bulkhead confirm %s\n", e.Name)
	}
	withheld := 0
	for _, d := range defs {
		findings, err := trust.ScanDefinition(ctx, d, others)
		if err != nil {
			return 0, fmt.Errorf("server %q: %w", e.Name, err)
		}
		if len(findings) == 0 {
			continue
		}
		verdict := "noted"
		if scan.Blocks(findings) {
			verdict = "would be withheld"
			withheld++
		}
		fmt.Fprintf(a.stdout, "  %s %s: %s\n", d.Kind, orDash(sandbox.EscapeControl(d.Name)), verdict)
		for _, f := range findings {
			fmt.Fprintf(a.stdout, "    %s\n", f)
			if explain {
				fmt.Fprintf(a.stdout, "      %s\n", sandbox.EscapeControl(f.Explain()))
			}
		}
	}
	return withheld, nil
}

// description is a tool definition's description, if it has one.
func description(v any) string {
	m, _ := v.(map[string]any)
	d, _ := m["description"].(string)
	return d
}
