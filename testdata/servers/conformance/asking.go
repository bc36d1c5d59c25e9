package main

//lint:file-ignore SA1019 sampling and logging are deprecated by SEP-2577 from 2026-07-28, and the suite still tests them.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type promptIn struct {
	Prompt string `json:"prompt" jsonschema:"the prompt to send to the client's model"`
}

type messageIn struct {
	Message string `json:"message" jsonschema:"the message to show the user"`
}

// addAskingTools adds the tools of the 2025 scenarios that ask the client
// for sampling or elicitation. They ask in their results, as a server that
// speaks 2026-07-28 must: the SDK asks a client of an earlier revision in
// the middle of the call instead, which is what those scenarios check, and
// calls the tool again with the answer.
func addAskingTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "test_sampling", Description: "Asks the client's model the prompt it is given."},
		func(ctx context.Context, req *mcp.CallToolRequest, in promptIn) (*mcp.CallToolResult, any, error) {
			if answer, ok := sampled(req.Params.InputResponses, "answer"); ok {
				return text("LLM response: " + answer), nil, nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"answer": &mcp.CreateMessageParams{MaxTokens: 100,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Prompt}}}}}}, nil, nil
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

// elicit asks the user message in the tool's result, and reports the
// answer once the tool is called again with it.
func elicit(_ context.Context, req *mcp.CallToolRequest, label, message string, schema any) (*mcp.CallToolResult, any, error) {
	res, ok := req.Params.InputResponses["answer"].(*mcp.ElicitResult)
	if !ok || res == nil {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"answer": &mcp.ElicitParams{Message: message, RequestedSchema: schema}}}, nil, nil
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

// addStatelessTools adds the tools the 2026-07-28 server-stateless scenario
// probes the server with.
func addStatelessTools(s *mcp.Server) {
	tool(s, "test_missing_capability", "Needs the client's sampling capability, declared with the request.", func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if caps := req.ClientCapabilities(); caps != nil && caps.Sampling != nil {
			return text("The client declared sampling."), nil
		}
		data, err := json.Marshal(mcp.MissingRequiredClientCapabilityData{
			RequiredCapabilities: &mcp.ClientCapabilities{Sampling: &mcp.SamplingCapabilities{}}})
		if err != nil {
			return nil, err
		}
		return nil, &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities,
			Message: "this tool needs the client's sampling capability", Data: data}
	})
	tool(s, "test_streaming_elicitation", "Reports progress, then asks the user in its result (an input request), never with a request of its own.", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if token := req.Params.GetProgressToken(); token != nil {
			_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: 1, Total: 2})
		}
		if answer, ok := accepted(req.Params.InputResponses, "go_on"); ok {
			return text(fmt.Sprintf("The user answered %v.", answer["ok"])), nil
		}
		if caps := req.ClientCapabilities(); caps == nil || caps.Elicitation == nil {
			return text("The client cannot be asked; nothing to stream."), nil
		}
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"go_on": &mcp.ElicitParams{
			Message: "Go on?", RequestedSchema: objectSchema(map[string]any{"ok": map[string]any{"type": "boolean"}}, "ok")}}}, nil
	})
	tool(s, "test_logging_tool", "Sends one info log message: at 2026-07-28 the client gets it only if it asked for a log level.", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Logger: "conformance", Data: "test_logging_tool ran"})
		return text("Logged at info."), nil
	})
	tool(s, "test_trigger_tool_change", "Adds or removes a tool, which changes the tool list.", toggler(func(on bool) {
		if on {
			tool(s, "test_transient_tool", "Present between two calls of test_trigger_tool_change.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return text("transient"), nil
			})
			return
		}
		s.RemoveTools("test_transient_tool")
	}))
	tool(s, "test_trigger_prompt_change", "Adds or removes a prompt, which changes the prompt list.", toggler(func(on bool) {
		if on {
			s.AddPrompt(&mcp.Prompt{Name: "test_transient_prompt", Description: "Present between two calls of test_trigger_prompt_change."},
				func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
					return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "transient"}}}}, nil
				})
			return
		}
		s.RemovePrompts("test_transient_prompt")
	}))
}

// toggler makes a tool that flips a switch on each call, so every call
// changes a list (and the SDK announces it).
func toggler(set func(on bool)) func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var mu sync.Mutex
	on := false
	return func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		mu.Lock()
		defer mu.Unlock()
		on = !on
		set(on)
		if on {
			return text("added"), nil
		}
		return text("removed"), nil
	}
}
