package store

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteAuditCSV exports audit entries as CSV, one row per call.
func WriteAuditCSV(out io.Writer, entries []AuditEntry) error {
	w := csv.NewWriter(out)
	w.Write([]string{"id", "time", "client", "server", "tool", "args_sha256", "arguments", "decision", "decided_by", "held_call", "latency_ms", "status", "detail", "findings"})
	for _, e := range entries {
		args, held := "", ""
		if e.Arguments != nil {
			args = *e.Arguments
		}
		if e.ApprovalID != nil {
			held = strconv.FormatInt(*e.ApprovalID, 10)
		}
		w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), cell(e.Client), e.Server, cell(e.Tool), e.ArgsDigest, cell(args),
			e.Decision, cell(e.DecidedBy), held, strconv.FormatInt(e.LatencyMS, 10), e.Status, cell(e.Detail), cell(e.Findings)})
	}
	w.Flush()
	return w.Error()
}

// cell keeps a value a server or client chose from being read as a formula
// by a spreadsheet opening the export.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
