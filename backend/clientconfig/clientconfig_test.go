package clientconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var stdio = Target{Command: "/opt/bulkhead", Args: []string{"gateway", "--stdio", "--server", "time"}}
var remote = Target{URL: "http://127.0.0.1:7337/mcp", Token: "tok"}

func TestEntriesPerClient(t *testing.T) {
	for name, c := range Clients {
		e, err := c.Entry(stdio)
		if err != nil || e["command"] != "/opt/bulkhead" || !reflect.DeepEqual(e["args"], stdio.Args) {
			t.Errorf("%s stdio entry = %v, %v", name, e, err)
		}
		if _, typed := e["type"]; typed != c.Typed {
			t.Errorf("%s: type field present = %v, want %v", name, typed, c.Typed)
		}
		h, err := c.Entry(remote)
		if !c.HTTP {
			if err == nil || !strings.Contains(err.Error(), "cannot name an HTTP server") {
				t.Errorf("%s accepted an HTTP entry: %v", name, err)
			}
			continue
		}
		if err != nil || h["url"] != remote.URL || h["headers"].(map[string]string)["Authorization"] != "Bearer tok" {
			t.Errorf("%s http entry = %v, %v", name, h, err)
		}
	}
	var doc map[string]map[string]any
	json.Unmarshal(Clients["vscode"].Document("bulkhead", map[string]any{"x": 1}), &doc)
	if doc["servers"]["bulkhead"] == nil {
		t.Errorf("VS Code document = %v, want servers.bulkhead", doc)
	}
}

func TestMergeKeepsEverythingElse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deep", "mcp.json")
	c := Clients["cursor"]
	entry, _ := c.Entry(stdio)

	backup, err := c.Merge(path, "bulkhead", entry)
	if err != nil || backup != "" {
		t.Fatalf("new file: backup %q, %v", backup, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v", fi.Mode().Perm())
	}

	original := `{"theme": "dark", "mcpServers": {"other": {"command": "x"}, "bulkhead": {"command": "old"}}}`
	os.WriteFile(path, []byte(original), 0o640)
	os.Chmod(path, 0o640)
	backup, err = c.Merge(path, "bulkhead", entry)
	if err != nil {
		t.Fatal(err)
	}
	if saved, _ := os.ReadFile(backup); string(saved) != original {
		t.Errorf("backup holds %q", saved)
	}
	var doc map[string]any
	raw, _ := os.ReadFile(path)
	json.Unmarshal(raw, &doc)
	servers := doc["mcpServers"].(map[string]any)
	if doc["theme"] != "dark" || servers["other"] == nil || servers["bulkhead"].(map[string]any)["command"] != "/opt/bulkhead" {
		t.Errorf("merged file = %s", raw)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("merge changed the file's mode to %v", fi.Mode().Perm())
	}
}

func TestMergeRefusesWhatItCannotReadFaithfully(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"comments":   "{\n  // my servers\n  \"servers\": {}\n}",
		"not object": `{"servers": []}`,
	} {
		path := filepath.Join(dir, name+".json")
		os.WriteFile(path, []byte(content), 0o600)
		entry, _ := Clients["vscode"].Entry(stdio)
		if _, err := Clients["vscode"].Merge(path, "bulkhead", entry); err == nil || !strings.Contains(err.Error(), "nothing changed") {
			t.Errorf("%s: err = %v", name, err)
		}
		if now, _ := os.ReadFile(path); string(now) != content {
			t.Errorf("%s: the file was changed to %q", name, now)
		}
	}
}

func TestShellQuote(t *testing.T) {
	got := ShellQuote([]string{"/opt/my tools/bulkhead", "gateway", "--server", "it's"})
	if got != `'/opt/my tools/bulkhead' gateway --server 'it'\''s'` {
		t.Errorf("ShellQuote = %s", got)
	}
}
