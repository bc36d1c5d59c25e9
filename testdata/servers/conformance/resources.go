package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	watchedURI     = "test://watched-resource"
	templatePrefix = "test://template/"
	templateSuffix = "/data"
)

// revision counts the watched resource's updates: its content changes with
// each one, as a resource that announces updates should.
var revision atomic.Int64

// touchWatched updates the watched resource every period and tells its
// subscribers (a session's resources/subscribe, or a 2026-07-28 listen
// stream that named it).
func touchWatched(ctx context.Context, s *mcp.Server, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			revision.Add(1)
			_ = s.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: watchedURI})
		}
	}
}

func textResource(uri, mime, body string) *mcp.ReadResourceResult {
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: mime, Text: body}}}
}

// addResources adds the resources the resources-* scenarios read. A URI that
// matches none is answered by the SDK with -32602 and the URI in the data
// (SEP-2164).
func addResources(s *mcp.Server) {
	s.AddResource(&mcp.Resource{URI: "test://static-text", Name: "static-text", Description: "A fixed text.", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return textResource(req.Params.URI, "text/plain", "This is the content of the static text resource."), nil
		})
	s.AddResource(&mcp.Resource{URI: "test://static-binary", Name: "static-binary", Description: "A one-pixel PNG.", MIMEType: "image/png"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "image/png", Blob: pngBytes}}}, nil
		})
	s.AddResource(&mcp.Resource{URI: watchedURI, Name: "watched-resource", Description: "A text updated every 3 seconds; subscribe to hear of it.", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return textResource(req.Params.URI, "text/plain", fmt.Sprintf("Watched resource content, revision %d", revision.Load())), nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: templatePrefix + "{id}" + templateSuffix, Name: "template",
		Description: "A JSON record for any id.", MIMEType: "application/json"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			id := strings.TrimSuffix(strings.TrimPrefix(req.Params.URI, templatePrefix), templateSuffix)
			body, err := json.Marshal(struct {
				ID           string `json:"id"`
				TemplateTest bool   `json:"templateTest"`
				Data         string `json:"data"`
			}{id, true, "Data for ID: " + id})
			if err != nil {
				return nil, err
			}
			return textResource(req.Params.URI, "application/json", string(body)), nil
		})
}

// subscribable are this server's fixed resources; only the watched one ever
// changes, but subscribing to the others is no error.
var subscribable = []string{watchedURI, "test://static-text", "test://static-binary"}

// subscribe refuses URIs this server does not have; the SDK keeps the
// subscribers.
func subscribe(_ context.Context, req *mcp.SubscribeRequest) error {
	if !slices.Contains(subscribable, req.Params.URI) {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "no such resource: " + req.Params.URI}
	}
	return nil
}

func unsubscribe(context.Context, *mcp.UnsubscribeRequest) error { return nil }

// complete suggests values for the prompt's arg1 and the template's id that
// start with what has been typed.
func complete(_ context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	var known []string
	switch ref, arg := req.Params.Ref, req.Params.Argument.Name; {
	case ref.Type == "ref/prompt" && ref.Name == "test_prompt_with_arguments":
		known = []string{"paris", "park", "party", "hello"}
	case ref.Type == "ref/resource" && strings.HasPrefix(ref.URI, templatePrefix) && arg == "id":
		known = []string{"1", "123", "42"}
	}
	vals := []string{} // an empty list, never null
	for _, v := range known {
		if strings.HasPrefix(v, req.Params.Argument.Value) {
			vals = append(vals, v)
		}
	}
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: vals, Total: len(vals)}}, nil
}

func promptText(s string) *mcp.PromptMessage {
	return &mcp.PromptMessage{Role: "user", Content: &mcp.TextContent{Text: s}}
}

// addPrompts adds the prompts the prompts-* scenarios get.
func addPrompts(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{Name: "test_simple_prompt", Title: "Simple prompt", Description: "A prompt with no arguments."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{promptText("This is a simple prompt for testing.")}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_arguments", Title: "Prompt with arguments", Description: "A prompt that quotes its two arguments.",
		Arguments: []*mcp.PromptArgument{
			{Name: "arg1", Description: "First test argument", Required: true},
			{Name: "arg2", Description: "Second test argument", Required: true},
		}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			a := req.Params.Arguments
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				promptText(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"]))}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_embedded_resource", Title: "Prompt with an embedded resource",
		Description: "A prompt that embeds a resource at the URI it is given.",
		Arguments:   []*mcp.PromptArgument{{Name: "resourceUri", Description: "URI of the resource to embed", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			embedded := &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: req.Params.Arguments["resourceUri"],
				MIMEType: "text/plain", Text: "Embedded resource content for testing."}}
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: embedded}, promptText("Please process the embedded resource above.")}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_image", Title: "Prompt with an image", Description: "A prompt that shows an image."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.ImageContent{Data: pngBytes, MIMEType: "image/png"}},
				promptText("Please analyze the image above.")}}, nil
		})
	addInputRequiredPrompt(s)
}
