package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `version: 1
servers:
  - name: notes
    title: Notes
    publisher: Example Inc
    image: example/notes
    command: ["/bin/notes"]
    args: ["--stdio"]
    env: {LOG_LEVEL: debug}
    secrets: [NOTES_TOKEN]
    user: "1000:1000"
    permissions:
      network: [api.example.com:443, 10.0.0.5:8080]
      mounts:
        - host: ~/notes
          container: /data/
        - host: /srv/shared
          container: /shared
          write: true
      cpu: 0.5
      memory: 128MiB
      pids: 64
  - name: web
    image: example/web@sha256:0123456789012345678901234567890123456789012345678901234567890123
    transport: http
    http: {port: 8080}
`

func TestParseGoodFileFillsDefaultsAndNormalizes(t *testing.T) {
	entries, err := Parse([]byte(good), "cat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("got %d entries, want 2", len(entries))
	}
	n := entries[0]
	if n.Image != "example/notes:latest" {
		t.Errorf("image = %q, want the tag made explicit", n.Image)
	}
	if n.Transport != TransportStdio {
		t.Errorf("transport = %q, want stdio by default", n.Transport)
	}
	p := n.Permissions
	if p.CPU != 0.5 || p.Memory != 128<<20 || p.Pids != 64 || p.Tmpfs != DefaultTmpfs {
		t.Errorf("permissions = %+v", p)
	}
	if got := p.Network.String(); got != "api.example.com:443,10.0.0.5:8080" {
		t.Errorf("network = %q", got)
	}
	if p.Mounts[0].Container != "/data" || p.Mounts[0].Write || !p.Mounts[1].Write {
		t.Errorf("mounts = %+v (want cleaned paths, read-only unless write)", p.Mounts)
	}
	if n.Source.File != "cat.yaml" || n.Source.Line != 3 {
		t.Errorf("source = %+v, want cat.yaml:3", n.Source)
	}
	w := entries[1]
	if w.Title != "web" || w.HTTP.Path != "/mcp" || w.Permissions.Memory != DefaultMemory || !w.Permissions.Network.None() {
		t.Errorf("defaults not applied: %+v", w)
	}
	if !strings.Contains(w.Image, "@sha256:") {
		t.Errorf("digest reference lost: %q", w.Image)
	}
	if n.UID() != "1000:1000" || w.UID() != "65534:65534" {
		t.Errorf("UID() = %q, %q", n.UID(), w.UID())
	}
}

func TestParseAcceptsJSON(t *testing.T) {
	entries, err := Parse([]byte(`{"version": 1, "servers": [{"name": "j", "image": "x/y:1", "permissions": {"network": "none"}}]}`), "c.json")
	if err != nil {
		t.Fatal(err)
	}
	if entries[0].Image != "x/y:1" || !entries[0].Permissions.Network.None() {
		t.Errorf("entry = %+v", entries[0])
	}
}

func TestParseErrorsNameFileLineAndCause(t *testing.T) {
	entry := func(body string) string {
		return "version: 1\nservers:\n  - name: s\n    image: a/b:1\n" + body
	}
	cases := []struct {
		name, doc, want string
	}{
		{"unknown field", entry("    imag: typo\n"), `c.yaml:5: unknown field "imag" in a server entry`},
		{"unknown permission", entry("    permissions:\n      netwrk: none\n"), `c.yaml:6: unknown field "netwrk" in permissions`},
		{"unknown top level", "version: 1\nserver: []\n", `c.yaml:2: unknown field "server" in the top level`},
		{"syntax", "version: 1\nservers:\n  - name: [\n", `c.yaml:`},
		{"empty", "", `c.yaml: file is empty`},
		{"version", "version: 2\nservers: []\n", `c.yaml:1: catalog format version 2 is not supported`},
		{"missing version", "servers: []\n", `c.yaml: catalog format version 0 is not supported`},
		{"bad name", "version: 1\nservers:\n  - name: Bad_Name\n    image: a/b\n", `c.yaml:3: server "Bad_Name": name "Bad_Name" must be`},
		{"missing image", "version: 1\nservers:\n  - name: s\n", `c.yaml:3: server "s": image is required`},
		{"bad image", entry("")[:len(entry(""))-len("    image: a/b:1\n")] + "    image: a/b:bad tag\n", `c.yaml:4: server "s": image "a/b:bad tag" is not a valid image reference`},
		{"duplicate", entry("  - name: s\n    image: a/b\n"), `c.yaml:5: server "s" is defined twice (first at line 3)`},
		{"bad grant", entry("    permissions:\n      network: [github.com]\n"), `c.yaml:6: network grant "github.com" must be host:port`},
		{"bad grant port", entry("    permissions:\n      network: [a.com:0]\n"), `c.yaml:6: network grant "a.com:0" has an invalid port`},
		{"wildcard grant", entry("    permissions:\n      network: ['*.a.com:443']\n"), `invalid host name`},
		{"network word", entry("    permissions:\n      network: all\n"), "c.yaml:6: network must be `none`"},
		{"bad memory", entry("    permissions:\n      memory: lots\n"), `c.yaml:6: size "lots" is not valid`},
		{"tiny memory", entry("    permissions:\n      memory: 1MiB\n"), `c.yaml:6: server "s": memory 1MiB must be between`},
		{"pids", entry("    permissions:\n      pids: 1\n"), `c.yaml:6: server "s": pids 1 must be between 8 and 32768`},
		{"cpu", entry("    permissions:\n      cpu: 100\n"), `c.yaml:6: server "s": cpu 100 must be between`},
		{"root user", entry("    user: \"0:0\"\n"), `c.yaml:5: server "s": user "0:0" is root`},
		{"root gid", entry("    user: \"1000:0\"\n"), `is root`},
		{"padded root", entry("    user: \"000\"\n"), `is root`},
		{"named user", entry("    user: node\n"), `must be a numeric uid`},
		{"proxy env", entry("    env: {https_proxy: x}\n"), `c.yaml:5: server "s": env https_proxy is set by Bulkhead's egress proxy`},
		{"proxy secret", entry("    secrets: [HTTPS_PROXY]\n"), `secret HTTPS_PROXY is set by Bulkhead's egress proxy`},
		{"env secret clash", entry("    env: {TOKEN: x}\n    secrets: [TOKEN]\n"), `env TOKEN is also a secret`},
		{"bad env name", entry("    env: {\"A-B\": x}\n"), `env name "A-B" must be`},
		{"http without port", entry("    transport: http\n"), `c.yaml:3: server "s": transport http needs`},
		{"http on stdio", entry("    http: {port: 80}\n"), `c.yaml:5: server "s": http settings need`},
		{"transport", entry("    transport: sse\n"), `c.yaml:5: server "s": transport "sse" is not supported`},
		{"results policy", entry("    results: ignore\n"), `c.yaml:5: server "s": results "ignore" is not a policy: use redact, block or hold`},
		{"signature both", entry("    signature: {key: x, identity: a@b.c, issuer: https://i}\n"), `c.yaml:5: server "s": signature names both a key and an identity`},
		{"signature key", entry("    signature:\n      key: not a key\n"), `c.yaml:6: server "s": signature key must be a PEM public key`},
		{"signature empty", entry("    signature: {}\n"), `c.yaml:5: server "s": signature needs a key, or an identity and its issuer`},
		{"signature issuer", entry("    signature: {identity: a@b.c}\n"), `signature needs a key, or an identity and its issuer`},
		{"signature identity", entry("    signature: {identity: someone, issuer: https://i}\n"), `signature identity "someone" is neither an email nor a URI`},
		{"signature typo", entry("    signature: {identty: a@b.c}\n"), `c.yaml:5: unknown field "identty" in signature`},
		{"relative mount", entry("    permissions:\n      mounts: [{host: data, container: /d}]\n"), `c.yaml:6: server "s": mount host path "data" must be absolute`},
		{"mount over tmp", entry("    permissions:\n      mounts: [{host: /d, container: /tmp/x}]\n"), `container path /tmp/x is reserved`},
		{"mount over root", entry("    permissions:\n      mounts: [{host: /d, container: /..}]\n"), `cannot replace the container's root`},
		{"shared target", entry("    permissions:\n      mounts: [{host: /d, container: /x}, {host: /e, container: /x/}]\n"), `two mounts share the container path /x`},
		{"wrong type", entry("    args: hello\n"), "c.yaml:5: expected a list of strings, found `hello`"},
		{"wrong struct type", entry("    permissions: 5\n"), "c.yaml:5: expected a mapping, found `5`"},
		{"duplicate key", entry("    image: c/d\n"), `c.yaml:5: mapping key "image" already defined at line 4`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "c.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", c.doc)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.want) && !strings.Contains(msg, c.want) {
				t.Errorf("error %q\n does not contain %q", msg, c.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestBuiltinIsValidAndVerified(t *testing.T) {
	entries := Builtin()
	if len(entries) < 3 {
		t.Fatalf("built-in catalog has %d entries", len(entries))
	}
	for _, e := range entries {
		if !e.Source.Builtin || e.Publisher == "" || e.Description == "" {
			t.Errorf("built-in entry %q lacks source, publisher or description: %+v", e.Name, e)
		}
	}
}

func TestLoadMergesUserFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog.yaml")

	c, err := Load(path, false)
	if err != nil {
		t.Fatalf("a missing optional user catalog must be fine: %v", err)
	}
	builtins := len(c.Entries)

	if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing required catalog must fail, got %v", err)
	}

	os.WriteFile(path, []byte("version: 1\nservers:\n  - name: mine\n    image: me/mine:2\n"), 0o600)
	c, err = Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup("mine")
	if !ok || len(c.Entries) != builtins+1 || e.Source.Builtin || e.Source.String() != path+":3" {
		t.Errorf("user entry not merged: %+v", e)
	}
	if time, ok := c.Lookup("time"); !ok || !time.Source.Builtin {
		t.Errorf("built-in entry lost after merge")
	}

	os.WriteFile(path, []byte("version: 1\nservers:\n  - name: time\n    image: evil/time\n"), 0o600)
	_, err = Load(path, true)
	if err == nil || !strings.Contains(err.Error(), path+`:3: server "time" is already defined by the built-in catalog`) {
		t.Errorf("redefining a built-in entry must be refused, got %v", err)
	}
}
