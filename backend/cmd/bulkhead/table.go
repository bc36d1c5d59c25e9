package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// table prints aligned columns, the one way every command prints them.
// Each cell is escaped, tabs too: text from outside (a client's name, a
// tool's, a reason) can neither add a column or a line nor draw on the
// terminal.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...any) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

// row prints one line, a cell for each value.
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.tw, "\t")
		}
		io.WriteString(t.tw, cell(fmt.Sprint(c)))
	}
	io.WriteString(t.tw, "\n")
}

func (t *table) flush() error { return t.tw.Flush() }

// cell is s escaped for one cell: sandbox.EscapeControl, which keeps tabs
// for logs, and tabs as it writes other control characters.
func cell(s string) string {
	return strings.ReplaceAll(sandbox.EscapeControl(s), "\t", `\x09`)
}
