package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// What a person may answer in the client. "Always" decisions change policy
// and are left to Bulkhead's own UI and CLI.
var clientDecisions = []string{store.AllowOnce, store.AllowSession, store.Deny}

var decisionSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"decision": map[string]any{
			"type": "string", "title": "Decision",
			"description": "allow_once: this call; allow_session: this tool until the session ends; deny: refuse it",
			"enum":        clientDecisions,
		},
	},
	"required": []string{"decision"},
}

// maxShownArgs bounds the arguments quoted in the question.
const maxShownArgs = 2000

// asker returns how to put held calls to the person through this client
// session, or nil when the client takes no form elicitation.
func asker(ss *mcp.ServerSession) func(context.Context, store.Approval) string {
	if ss == nil || ss.InitializeParams() == nil || ss.InitializeParams().Capabilities == nil || stateless(ss) {
		return nil // a stateless client takes no question in the middle of its call
	}
	el := ss.InitializeParams().Capabilities.Elicitation
	if el == nil || (el.Form == nil && el.URL != nil) {
		return nil
	}
	return func(ctx context.Context, held store.Approval) string {
		res, err := ss.Elicit(ctx, &mcp.ElicitParams{Message: question(held), RequestedSchema: decisionSchema})
		if err != nil {
			return ""
		}
		switch res.Action {
		case "accept":
			if d, _ := res.Content["decision"].(string); slices.Contains(clientDecisions, d) {
				return d
			}
		case "decline":
			return store.Deny
		}
		return "" // dismissed: the UI, the CLI or the timeout decide
	}
}

// question describes a held call with everything a server or client chose
// shown escaped.
func question(held store.Approval) string {
	args := sandbox.EscapeControl(string(held.Arguments))
	if len(args) > maxShownArgs {
		args = args[:maxShownArgs] + "… (cut; see the whole call in Bulkhead)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Bulkhead holds a call to tool %q of server %q (held call %d) for your approval.\n\nArguments: %s\n",
		sandbox.EscapeControl(held.Tool), held.Server, held.ID, args)
	var findings []scan.Finding
	if json.Unmarshal([]byte(held.Findings), &findings) == nil && len(findings) > 0 {
		b.WriteString("\nThe scanner found in them:\n")
		for _, f := range findings {
			fmt.Fprintf(&b, "- %s\n", sandbox.EscapeControl(f.String()))
		}
	}
	fmt.Fprintf(&b, "\nAllow it? You can also decide in Bulkhead's UI or with `bulkhead approve %d`.", held.ID)
	return b.String()
}
