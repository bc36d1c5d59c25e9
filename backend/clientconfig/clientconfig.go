// Package clientconfig writes the entry that points an MCP client (Claude
// Desktop, Claude Code, Cursor, VS Code) at the Bulkhead gateway, and merges
// it into the client's own configuration file without losing anything.
package clientconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Client describes one MCP client's configuration file.
type Client struct {
	Name string
	// Key is the top-level object that holds server entries.
	Key string
	// HTTP says whether the client's file can name a remote (HTTP) server.
	HTTP bool
	// Typed clients want "type": "stdio" or "http" in each entry.
	Typed bool
	// Path is the user-level file, relative to the home directory per OS;
	// empty where there is none to write.
	Path map[string]string
}

// Clients are the supported clients, by the name the CLI takes.
var Clients = map[string]Client{
	"claude-desktop": {Name: "Claude Desktop", Key: "mcpServers", Path: map[string]string{
		"darwin":  "Library/Application Support/Claude/claude_desktop_config.json",
		"windows": "AppData/Roaming/Claude/claude_desktop_config.json",
		"linux":   ".config/Claude/claude_desktop_config.json",
	}},
	"claude-code": {Name: "Claude Code", Key: "mcpServers", HTTP: true, Typed: true, Path: map[string]string{
		"darwin": ".claude.json", "windows": ".claude.json", "linux": ".claude.json",
	}},
	"cursor": {Name: "Cursor", Key: "mcpServers", HTTP: true, Path: map[string]string{
		"darwin": ".cursor/mcp.json", "windows": ".cursor/mcp.json", "linux": ".cursor/mcp.json",
	}},
	"vscode": {Name: "VS Code", Key: "servers", HTTP: true, Typed: true, Path: map[string]string{
		"darwin":  "Library/Application Support/Code/User/mcp.json",
		"windows": "AppData/Roaming/Code/User/mcp.json",
		"linux":   ".config/Code/User/mcp.json",
	}},
	"generic": {Name: "any MCP client", Key: "mcpServers", HTTP: true},
}

// Names lists the supported client names, sorted.
func Names() []string {
	var n []string
	for k := range Clients {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Target is what the entry starts or reaches.
type Target struct {
	// Command and Args start the gateway over stdio.
	Command string
	Args    []string
	// URL and Token reach a running gateway over HTTP instead.
	URL   string
	Token string
}

// Entry builds the server entry for a client.
func (c Client) Entry(t Target) (map[string]any, error) {
	e := map[string]any{}
	if t.URL != "" {
		if !c.HTTP {
			return nil, fmt.Errorf("%s's configuration file cannot name an HTTP server: use the stdio entry", c.Name)
		}
		e["url"] = t.URL
		e["headers"] = map[string]string{"Authorization": "Bearer " + t.Token}
		if c.Typed {
			e["type"] = "http"
		}
		return e, nil
	}
	e["command"] = t.Command
	e["args"] = t.Args
	if c.Typed {
		e["type"] = "stdio"
	}
	return e, nil
}

// Document is the entry inside the client's top-level key, ready to paste.
func (c Client) Document(name string, entry map[string]any) []byte {
	b, _ := json.MarshalIndent(map[string]any{c.Key: map[string]any{name: entry}}, "", "  ")
	return append(b, '\n')
}

// FilePath is the client's user-level configuration file under home.
func (c Client) FilePath(home string) (string, error) {
	rel, ok := c.Path[runtime.GOOS]
	if !ok {
		return "", fmt.Errorf("%s has no configuration file Bulkhead knows on %s: paste the printed entry instead", c.Name, runtime.GOOS)
	}
	return filepath.Join(home, filepath.FromSlash(rel)), nil
}

// Merge sets entry as name under the client's key in the file at path,
// keeping every other setting. An existing file is first copied to
// path.bak-<time>; a file that is not plain JSON is left untouched. It
// returns the backup's path ("" for a new file).
func (c Client) Merge(path, name string, entry map[string]any) (backup string, err error) {
	doc := map[string]any{}
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if exists && len(bytes.TrimSpace(old)) > 0 {
		if err := json.Unmarshal(old, &doc); err != nil {
			return "", fmt.Errorf("%s is not plain JSON (%v); nothing changed: add the printed entry by hand", path, err)
		}
	}
	servers, isObject := doc[c.Key].(map[string]any)
	if _, present := doc[c.Key]; present && !isObject {
		return "", fmt.Errorf("%s: %q is not an object; nothing changed", path, c.Key)
	}
	if servers == nil {
		servers = map[string]any{}
	}
	servers[name] = entry
	doc[c.Key] = servers

	mode := fs.FileMode(0o600)
	if exists {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
		backup = path + ".bak-" + time.Now().Format("20060102-150405")
		if err := os.WriteFile(backup, old, mode); err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return backup, writeAtomic(path, append(out, '\n'), mode)
}

// writeAtomic replaces path in one step, so a crash leaves the old file or
// the new one, never half of one.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ShellQuote renders a command line for a person to paste.
func ShellQuote(args []string) string {
	var q []string
	for _, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			q = append(q, a)
		} else {
			q = append(q, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
	}
	return strings.Join(q, " ")
}
