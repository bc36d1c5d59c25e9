// Command recordcorpus records what real MCP servers list (tools, prompts,
// resources, resource templates, instructions) into the scanner's corpus
// of honest definitions, one JSON file per server. Each server runs with
// no network, as nobody, with an empty home, so recording runs none of
// its code with the machine's rights:
//
//	go run ./backend/trust/scan/internal/recordcorpus -manifest servers.yaml -out backend/trust/scan/testdata/corpus/honest/servers
//
// A manifest entry names the server, where it came from, and how to start
// it (argv, environment with placeholder credentials, working folder).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.yaml.in/yaml/v3"
)

type server struct {
	Name    string            `yaml:"name"`
	Source  string            `yaml:"source"` // e.g. npm:@modelcontextprotocol/server-memory@2026.1.26
	Command []string          `yaml:"command"`
	Env     map[string]string `yaml:"env"`
	Dir     string            `yaml:"dir"`
}

// Recording is one server's listing as the gateway would see it.
type Recording struct {
	Server            string                  `json:"server"`
	Source            string                  `json:"source"`
	Recorded          string                  `json:"recorded"`
	ServerInfo        *mcp.Implementation     `json:"serverInfo,omitempty"`
	Instructions      string                  `json:"instructions,omitempty"`
	Tools             []*mcp.Tool             `json:"tools"`
	Prompts           []*mcp.Prompt           `json:"prompts,omitempty"`
	Resources         []*mcp.Resource         `json:"resources,omitempty"`
	ResourceTemplates []*mcp.ResourceTemplate `json:"resourceTemplates,omitempty"`
}

func main() {
	manifest := flag.String("manifest", "", "YAML list of servers to record")
	out := flag.String("out", "", "folder to write <name>.json into")
	only := flag.String("only", "", "record only the server of this name")
	isolate := flag.Bool("isolate", true, "run each server with no network, as nobody (needs root and unshare, setpriv)")
	timeout := flag.Duration("timeout", 90*time.Second, "time allowed per server")
	flag.Parse()
	if *manifest == "" || *out == "" {
		log.Fatal("recordcorpus: -manifest and -out are required")
	}
	b, err := os.ReadFile(*manifest)
	if err != nil {
		log.Fatal(err)
	}
	var servers []server
	if err := yaml.Unmarshal(b, &servers); err != nil {
		log.Fatalf("recordcorpus: %s: %v", *manifest, err)
	}
	failed := 0
	for _, s := range servers {
		if *only != "" && s.Name != *only {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		rec, err := record(ctx, s, *isolate)
		cancel()
		if err == nil {
			err = write(filepath.Join(*out, s.Name+".json"), rec)
		}
		if err != nil {
			failed++
			log.Printf("%s: %v", s.Name, err)
			continue
		}
		log.Printf("%s: %d tools, %d prompts, %d resources, %d templates", s.Name, len(rec.Tools), len(rec.Prompts), len(rec.Resources), len(rec.ResourceTemplates))
	}
	if failed > 0 {
		log.Fatalf("recordcorpus: %d server(s) failed", failed)
	}
}

func record(ctx context.Context, s server, isolate bool) (*Recording, error) {
	if s.Name == "" || len(s.Command) == 0 {
		return nil, fmt.Errorf("a manifest entry needs a name and a command")
	}
	home, err := os.MkdirTemp("", "recordcorpus-home-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	argv := s.Command
	if isolate {
		if err := os.Chown(home, 65534, 65534); err != nil {
			return nil, err
		}
		argv = slices.Concat([]string{"unshare", "--net", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}, argv)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + home, "NO_COLOR=1"}
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "bulkhead-recordcorpus", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer cs.Close()
	init := cs.InitializeResult()
	rec := &Recording{Server: s.Name, Source: s.Source, Recorded: time.Now().UTC().Format(time.DateOnly),
		ServerInfo: init.ServerInfo, Instructions: init.Instructions}
	caps := init.Capabilities
	if caps.Tools != nil {
		if rec.Tools, err = collect(cs.Tools(ctx, nil)); err != nil {
			return nil, fmt.Errorf("tools/list: %w", err)
		}
	}
	if caps.Prompts != nil {
		if rec.Prompts, err = collect(cs.Prompts(ctx, nil)); err != nil {
			return nil, fmt.Errorf("prompts/list: %w", err)
		}
	}
	if caps.Resources != nil {
		// Some servers list no resources but fail the call; what they
		// list is optional here, their tools are what counts.
		rec.Resources, _ = collect(cs.Resources(ctx, nil))
		rec.ResourceTemplates, _ = collect(cs.ResourceTemplates(ctx, nil))
	}
	return rec, nil
}

func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func write(path string, rec *Recording) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
