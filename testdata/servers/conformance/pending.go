package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// schema2020 uses the JSON Schema 2020-12 keywords a gateway must pass on
// untouched ($schema, $defs, $anchor, $ref, allOf/anyOf, if/then/else,
// additionalProperties), as the json-schema-2020-12 scenario lists them.
const schema2020 = `{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"type": "object",
	"$defs": {"address": {"$anchor": "addressDef", "type": "object",
		"properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
	"properties": {
		"name": {"type": "string"},
		"address": {"$ref": "#/$defs/address"},
		"contactMethod": {"type": "string", "enum": ["phone", "email"]},
		"phone": {"type": "string"},
		"email": {"type": "string"}
	},
	"allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
	"if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
	"then": {"required": ["phone"]},
	"else": {"required": ["email"]},
	"additionalProperties": false
}`

// regionSchema mirrors its region argument into an Mcp-Param-Region header
// (SEP-2243), which the SDK checks against the body at 2026-07-28.
const regionSchema = `{
	"type": "object",
	"properties": {
		"region": {"type": "string", "description": "sent as the Mcp-Param-Region header too", "x-mcp-header": "Region"},
		"level": {"type": "integer", "description": "in the body only"}
	}
}`

// addPendingTools adds the tools of scenarios the suite has not made
// required yet (json-schema-2020-12, http-custom-header-server-validation,
// server-sse-polling), so a run shows whether they pass too.
func addPendingTools(s *mcp.Server) {
	// Added raw: the SDK would otherwise validate arguments against a schema
	// whose every keyword it may not know; this tool only reports them.
	s.AddTool(&mcp.Tool{Name: "json_schema_2020_12_tool", Description: "Takes input described with JSON Schema 2020-12 keywords, and echoes it.",
		InputSchema: json.RawMessage(schema2020)},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return text("Called with " + string(req.Params.Arguments)), nil
		})
	type regionIn struct {
		Region string `json:"region,omitempty"`
		Level  int    `json:"level,omitempty"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "test_region_header", Description: "Reports the region it was given, which also travels as a header.",
		InputSchema: json.RawMessage(regionSchema)},
		func(_ context.Context, _ *mcp.CallToolRequest, in regionIn) (*mcp.CallToolResult, any, error) {
			return text(fmt.Sprintf("region %q, level %d", in.Region, in.Level)), nil, nil
		})
	tool(s, "test_reconnection", "Closes its SSE stream mid-call, then answers on the stream the client resumes with Last-Event-ID (SEP-1699).",
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if req.Extra != nil && req.Extra.CloseSSEStream != nil {
				req.Extra.CloseSSEStream(mcp.CloseSSEStreamArgs{RetryAfter: 20 * time.Millisecond})
			}
			pause(ctx, 200*time.Millisecond) // long enough for the client to come back
			return text("Answered after the stream was closed and resumed."), nil
		})
}
