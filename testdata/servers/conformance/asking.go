package main

//lint:file-ignore SA1019 sampling and mid-call requests are how servers asked up to 2025-11-25, which the suite still tests; SEP-2577 deprecates them only from 2026-07-28.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type promptIn struct {
	Prompt string `json:"prompt" jsonschema:"the prompt to send to the client's model"`
}

type messageIn struct {
	Message string `json:"message" jsonschema:"the message to show the user"`
}

// addAskingTools adds the tools that ask the client mid-call, as servers do
// up to 2025-11-25: sampling/createMessage and elicitation/create on the
// session. The SDK refuses both when the client did not declare the
// capability, and the tool then fails.
func addAskingTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "test_sampling", Description: "Asks the client's model the prompt it is given."},
		func(ctx context.Context, req *mcp.CallToolRequest, in promptIn) (*mcp.CallToolResult, any, error) {
			res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 100,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Prompt}}}})
			if err != nil {
				return nil, nil, fmt.Errorf("sampling failed: %w", err)
			}
			return text("LLM response: " + textOf(res.Content)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "test_elicitation", Description: "Asks the user for a username and email address."},
		func(ctx context.Context, req *mcp.CallToolRequest, in messageIn) (*mcp.CallToolResult, any, error) {
			return elicit(ctx, req, "User response", in.Message, objectSchema(map[string]any{
				"username": map[string]any{"type": "string", "description": "User's response"},
				"email":    map[string]any{"type": "string", "description": "User's email address"},
			}, "username", "email"))
		})
	tool(s, "test_elicitation_sep1034_defaults", "Asks the user with a default for every primitive type (SEP-1034).", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, _, err := elicit(ctx, req, "Elicitation completed", "Test defaults for primitives", objectSchema(map[string]any{
			"name":     map[string]any{"type": "string", "description": "User name", "default": "John Doe"},
			"age":      map[string]any{"type": "integer", "description": "User age", "default": 30},
			"score":    map[string]any{"type": "number", "description": "User score", "default": 95.5},
			"status":   map[string]any{"type": "string", "description": "User status", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
			"verified": map[string]any{"type": "boolean", "description": "Verification status", "default": true},
		}))
		return res, err
	})
	tool(s, "test_elicitation_sep1330_enums", "Asks the user with each enum form (SEP-1330).", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		titled := func(of ...string) []map[string]any {
			var out []map[string]any
			for i := 0; i+1 < len(of); i += 2 {
				out = append(out, map[string]any{"const": of[i], "title": of[i+1]})
			}
			return out
		}
		values := titled("value1", "First Option", "value2", "Second Option", "value3", "Third Option")
		plain := []string{"option1", "option2", "option3"}
		res, _, err := elicit(ctx, req, "Elicitation completed", "Test enum schemas", objectSchema(map[string]any{
			"untitledSingle": map[string]any{"type": "string", "enum": plain},
			"titledSingle":   map[string]any{"type": "string", "oneOf": values},
			"legacyEnum": map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"},
				"enumNames": []string{"Option One", "Option Two", "Option Three"}},
			"untitledMulti": map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"type": "string", "enum": plain}},
			"titledMulti":   map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"anyOf": values}},
		}))
		return res, err
	})
}

func objectSchema(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func elicit(ctx context.Context, req *mcp.CallToolRequest, label, message string, schema any) (*mcp.CallToolResult, any, error) {
	res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: message, RequestedSchema: schema})
	if err != nil {
		return nil, nil, fmt.Errorf("elicitation failed: %w", err)
	}
	content, _ := json.Marshal(res.Content)
	return text(fmt.Sprintf("%s: action=%s, content=%s", label, res.Action, content)), nil, nil
}

func textOf(c mcp.Content) string {
	if t, ok := c.(*mcp.TextContent); ok {
		return t.Text
	}
	return "(no text)"
}
