package main

//lint:file-ignore SA1019 sampling and roots, though deprecated by SEP-2577, are still input requests the 2026-07-28 multi-round-trip scenarios ask for.

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// accepted is the content of an elicitation answer the user accepted.
func accepted(responses mcp.InputResponseMap, key string) (map[string]any, bool) {
	r, ok := responses[key].(*mcp.ElicitResult)
	if !ok || r == nil || r.Action != "accept" {
		return nil, false
	}
	return r.Content, true
}

// sampled is the text of a sampling answer: the SDK decodes any answer with
// a role as the with-tools form, whose content is a list.
func sampled(responses mcp.InputResponseMap, key string) (string, bool) {
	switch r := responses[key].(type) {
	case *mcp.CreateMessageWithToolsResult:
		for _, c := range r.Content {
			if t, ok := c.(*mcp.TextContent); ok {
				return t.Text, true
			}
		}
		return "(no text)", true
	case *mcp.CreateMessageResult:
		return textOf(r.Content), true
	}
	return "", false
}

func rootsOf(responses mcp.InputResponseMap, key string) ([]string, bool) {
	r, ok := responses[key].(*mcp.ListRootsResult)
	if !ok || r == nil {
		return nil, false
	}
	var uris []string
	for _, root := range r.Roots {
		uris = append(uris, root.URI)
	}
	return uris, true
}

func askName(message string) *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: message,
		RequestedSchema: objectSchema(map[string]any{"name": map[string]any{"type": "string"}}, "name")}
}

func askConfirm() *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: "Please confirm",
		RequestedSchema: objectSchema(map[string]any{"ok": map[string]any{"type": "boolean"}}, "ok")}
}

func askSampling(prompt string, maxTokens int64) *mcp.CreateMessageParams {
	return &mcp.CreateMessageParams{MaxTokens: maxTokens,
		Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: prompt}}}}
}

func inputRequired(reqs mcp.InputRequestMap, state string) *mcp.CallToolResult {
	return &mcp.CallToolResult{InputRequests: reqs, RequestState: state}
}

// addInputRequiredTools adds the tools of the 2026-07-28 multi-round-trip
// scenarios: each asks in its result (inputRequests) and finishes when the
// client retries with the answers. A tool that needs to remember something
// between rounds keeps it in a sealed request state, since the server keeps
// nothing between requests.
func addInputRequiredTools(s *mcp.Server, seals *sealer) {
	tool(s, "test_input_required_result_elicitation", "Asks the caller's name, then greets them.", func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if c, ok := accepted(req.Params.InputResponses, "user_name"); ok {
			if name, _ := c["name"].(string); name != "" {
				return text("Hello, " + name + "!"), nil
			}
		}
		return inputRequired(mcp.InputRequestMap{"user_name": askName("What is your name?")}, ""), nil
	})
	tool(s, "test_input_required_result_sampling", "Asks the client's model a question and reports its answer.", func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if answer, ok := sampled(req.Params.InputResponses, "capital_question"); ok {
			return text("Sampling response: " + answer), nil
		}
		return inputRequired(mcp.InputRequestMap{"capital_question": askSampling("What is the capital of France?", 100)}, ""), nil
	})
	tool(s, "test_input_required_result_list_roots", "Asks for the client's roots and lists them.", func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if uris, ok := rootsOf(req.Params.InputResponses, "client_roots"); ok {
			return text(fmt.Sprintf("Client exposed %d root(s): %s", len(uris), strings.Join(uris, ", "))), nil
		}
		return inputRequired(mcp.InputRequestMap{"client_roots": &mcp.ListRootsParams{}}, ""), nil
	})
	for _, name := range []string{"test_input_required_result_request_state", "test_input_required_result_tampered_state"} {
		tool(s, name, "Asks for a confirmation with a sealed request state, and finishes only when the state comes back intact.", confirmTool(seals, name))
	}
	tool(s, "test_input_required_result_multiple_inputs", "Asks for a name, a model's greeting and the roots in one round.", multipleInputs(seals))
	tool(s, "test_input_required_result_multi_round", "Asks for a name, then a colour, keeping the name in the request state.", multiRound(seals))
	tool(s, "test_input_required_result_capabilities", "Asks only for what the client's declared capabilities allow.", byCapability(seals))
}

// confirmTool asks for a confirmation; the retry must bring back the state
// it handed out, intact.
func confirmTool(seals *sealer, name string) func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		all, err := answeredAll(seals, name, req.Params)
		if err != nil {
			return nil, err
		}
		if c, ok := accepted(req.Params.InputResponses, "confirm"); all && ok {
			return text(fmt.Sprintf("state-ok: requestState verified, confirmation %v", c["ok"])), nil
		}
		return askAndSeal(seals, name, mcp.InputRequestMap{"confirm": askConfirm()}), nil
	}
}

func multipleInputs(seals *sealer) func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	const name = "test_input_required_result_multiple_inputs"
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := req.Params
		all, err := answeredAll(seals, name, p)
		if err != nil {
			return nil, err
		}
		c, _ := accepted(p.InputResponses, "user_name")
		who, _ := c["name"].(string)
		greeting, okGreeting := sampled(p.InputResponses, "greeting")
		roots, okRoots := rootsOf(p.InputResponses, "client_roots")
		if all && who != "" && okGreeting && okRoots {
			return text(fmt.Sprintf("%s %s (%d root(s) visible)", greeting, who, len(roots))), nil
		}
		return askAndSeal(seals, name, mcp.InputRequestMap{
			"user_name":    askName("What is your name?"),
			"greeting":     askSampling("Generate a greeting", 50),
			"client_roots": &mcp.ListRootsParams{},
		}), nil
	}
}

func multiRound(seals *sealer) func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	const name = "test_input_required_result_multi_round"
	type state struct {
		Round int    `json:"round"`
		Name  string `json:"name,omitempty"`
	}
	askFor := func(st state) *mcp.CallToolResult {
		if st.Round == 1 {
			return inputRequired(mcp.InputRequestMap{"step1": askName("Step 1: What is your name?")}, seals.seal(name, st))
		}
		colour := &mcp.ElicitParams{Message: "Step 2: What is your favorite color?",
			RequestedSchema: objectSchema(map[string]any{"color": map[string]any{"type": "string"}}, "color")}
		return inputRequired(mcp.InputRequestMap{"step2": colour}, seals.seal(name, st))
	}
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := req.Params
		st := state{Round: 1}
		if p.RequestState != "" {
			if err := seals.open(name, p.RequestState, &st); err != nil {
				return nil, err
			}
		}
		switch c, ok := accepted(p.InputResponses, fmt.Sprintf("step%d", st.Round)); {
		case !ok || p.RequestState == "":
			return askFor(st), nil
		case st.Round == 1:
			who, _ := c["name"].(string)
			if who == "" {
				return askFor(st), nil
			}
			return askFor(state{Round: 2, Name: who}), nil
		default:
			colour, _ := c["color"].(string)
			if colour == "" {
				return askFor(st), nil
			}
			return text(fmt.Sprintf("Multi-round complete: %s likes %s", st.Name, colour)), nil
		}
	}
}

// byCapability asks only for the kinds of input the client declared it can
// give (with the request, at 2026-07-28), and finishes once those come back.
func byCapability(seals *sealer) func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	const name = "test_input_required_result_capabilities"
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		all, err := answeredAll(seals, name, req.Params)
		if err != nil {
			return nil, err
		}
		if all {
			return text("Every input the client's capabilities allowed was given."), nil
		}
		caps := req.ClientCapabilities()
		reqs := mcp.InputRequestMap{}
		if caps != nil && caps.Elicitation != nil {
			reqs["user_name"] = askName("What is your name?")
		}
		if caps != nil && caps.Sampling != nil {
			reqs["greeting"] = askSampling("Generate a short greeting", 50)
		}
		if caps != nil && (caps.RootsV2 != nil || caps.Roots.ListChanged) {
			reqs["client_roots"] = &mcp.ListRootsParams{}
		}
		if len(reqs) == 0 {
			return text("The client declared no capability this tool could ask through."), nil
		}
		return askAndSeal(seals, name, reqs), nil
	}
}

// addInputRequiredPrompt adds the prompt of the non-tool multi-round-trip
// scenario: prompts/get asks for context in its result too.
func addInputRequiredPrompt(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{Name: "test_input_required_result_prompt", Description: "Asks the user what context the prompt should use."},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			if c, ok := accepted(req.Params.InputResponses, "user_context"); ok {
				return &mcp.GetPromptResult{Description: "A prompt with the context the user gave",
					Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: fmt.Sprintf("Context: %v", c["context"])}}}}, nil
			}
			return &mcp.GetPromptResult{InputRequests: mcp.InputRequestMap{"user_context": &mcp.ElicitParams{
				Message:         "What context should the prompt use?",
				RequestedSchema: objectSchema(map[string]any{"context": map[string]any{"type": "string"}}, "context")}}}, nil
		})
}
