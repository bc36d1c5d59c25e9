package main

//lint:file-ignore SA1019 logging is deprecated only from MCP 2026-07-28 (SEP-2577); the suite still tests it at 2025-11-25 and, gated by the request's log level, at 2026-07-28.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Real media bytes, made here rather than pasted: a one-pixel red PNG and a
// short silent WAV.
var (
	pngBytes = onePixelPNG()
	wavBytes = silentWAV(8000, 80)
)

func onePixelPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// silentWAV is a mono 8-bit PCM file of n samples of silence.
func silentWAV(rate, n uint32) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(36 + n)
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(rate)
	le(rate)      // bytes per second
	le(uint16(1)) // block align
	le(uint16(8)) // bits per sample
	b.WriteString("data")
	le(n)
	b.Write(bytes.Repeat([]byte{0x80}, int(n))) // 8-bit silence is the midpoint
	return b.Bytes()
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

type none struct{}

// tool adds a tool whose input is ignored.
func tool(s *mcp.Server, name, desc string, h func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error)) {
	mcp.AddTool(s, &mcp.Tool{Name: name, Description: desc},
		func(ctx context.Context, req *mcp.CallToolRequest, _ none) (*mcp.CallToolResult, any, error) {
			res, err := h(ctx, req)
			return res, nil, err
		})
}

// addContentTools adds the tools that return each kind of content, and an
// error, as the tools-call-* scenarios describe them.
func addContentTools(s *mcp.Server) {
	tool(s, "test_simple_text", "Returns one text block.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return text("This is a simple text response for testing."), nil
	})
	tool(s, "test_image_content", "Returns a PNG image.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.ImageContent{Data: pngBytes, MIMEType: "image/png"}}}, nil
	})
	tool(s, "test_audio_content", "Returns a WAV recording.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.AudioContent{Data: wavBytes, MIMEType: "audio/wav"}}}, nil
	})
	tool(s, "test_embedded_resource", "Returns an embedded text resource.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content."}}}}, nil
	})
	tool(s, "test_multiple_content_types", "Returns text, an image and an embedded resource.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		data, _ := json.Marshal(map[string]any{"test": "data", "value": 123})
		return &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.TextContent{Text: "Multiple content types test:"},
			&mcp.ImageContent{Data: pngBytes, MIMEType: "image/png"},
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "test://mixed-content-resource", MIMEType: "application/json", Text: string(data)}},
		}}, nil
	})
	tool(s, "test_error_handling", "Always fails, reported as a tool error.", func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r := text("This tool intentionally returns an error for testing")
		r.IsError = true
		return r, nil
	})
}

// addNotifyingTools adds the tools that send log messages and progress while
// they run, with pauses between them so a client sees them arrive one by one.
func addNotifyingTools(s *mcp.Server) {
	tool(s, "test_tool_with_logging", "Sends three info log messages while it runs.", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
			if i > 0 {
				pause(ctx, 50*time.Millisecond)
			}
			_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Logger: "conformance", Data: msg})
		}
		return text("Tool with logging executed successfully"), nil
	})
	tool(s, "test_tool_with_progress", "Reports progress 0, 50 and 100 of 100 when given a progress token.", func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		token := req.Params.GetProgressToken()
		for i, p := range []float64{0, 50, 100} {
			if i > 0 {
				pause(ctx, 50*time.Millisecond)
			}
			if token != nil {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token,
					Progress: p, Total: 100, Message: fmt.Sprintf("%.0f of 100", p)})
			}
		}
		return text(fmt.Sprintf("Progress reported for token %v", token)), nil
	})
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
