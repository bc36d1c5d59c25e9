// Command wellbehaved is an MCP stdio server for Bulkhead's tests: it does
// what it says and reports what it sees of its sandbox.
//
// With --crash it writes a reason to stderr and exits with code 3, as a
// server with a broken configuration would. With --banner it first prints a
// greeting to stdout, as careless servers do.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoIn struct {
	Text string `json:"text" jsonschema:"the text to send back"`
}

type addIn struct {
	A int `json:"a"`
	B int `json:"b"`
}

type addOut struct {
	Sum int `json:"sum"`
}

type envIn struct {
	Name string `json:"name" jsonschema:"an environment variable name"`
}

type whoamiOut struct {
	UID          int    `json:"uid"`
	GID          int    `json:"gid"`
	Hostname     string `json:"hostname"`
	RootWritable bool   `json:"rootWritable"`
	TmpWritable  bool   `json:"tmpWritable"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--crash" {
		fmt.Fprintln(os.Stderr, "fatal: no configuration found at /config/server.toml")
		os.Exit(3)
	}
	if len(os.Args) > 1 && os.Args[1] == "--banner" {
		fmt.Println("Welcome to wellbehaved 1.0!")
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "wellbehaved", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Returns the text it is given."},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + in.Text}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Adds two integers."},
		func(_ context.Context, _ *mcp.CallToolRequest, in addIn) (*mcp.CallToolResult, addOut, error) {
			return nil, addOut{Sum: in.A + in.B}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "env", Description: "Returns the value of an environment variable."},
		func(_ context.Context, _ *mcp.CallToolRequest, in envIn) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: os.Getenv(in.Name)}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Reports the identity and file system the server runs with."},
		func(_ context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoamiOut, error) {
			host, _ := os.Hostname()
			return nil, whoamiOut{
				UID: os.Getuid(), GID: os.Getgid(), Hostname: host,
				RootWritable: os.WriteFile("/wellbehaved-probe", nil, 0o600) == nil,
				TmpWritable:  os.WriteFile("/tmp/wellbehaved-probe", nil, 0o600) == nil,
			}, nil
		})
	fmt.Fprintln(os.Stderr, "wellbehaved: serving MCP on stdio")
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
