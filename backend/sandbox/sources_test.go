package sandbox

import "testing"

func TestImageSources(t *testing.T) {
	allow := ImageSources{"docker.io/mcp/*", "ghcr.io/acme/tools", "registry.example.com/*"}
	for ref, want := range map[string]bool{
		"mcp/time:latest":                      true, // docker.io/mcp/time
		"docker.io/mcp/github@sha256:" + hex64: true,
		"ghcr.io/acme/tools:1":                 true,
		"registry.example.com/a/b/c:2":         true,
		"mcpx/time":                            false, // a look-alike namespace
		"ghcr.io/acme/tools-extra":             false, // a repository, not a prefix
		"ghcr.io/acme-evil/tools":              false,
		"evil.example.com/mcp/time":            false,
		"time":                                 false, // docker.io/library/time
	} {
		if err := allow.Check(ref); (err == nil) != want {
			t.Errorf("%s: allowed=%v, want %v (%v)", ref, err == nil, want, err)
		}
	}
	if err := (ImageSources{}).Check("anything/at:all"); err != nil {
		t.Errorf("an empty list refused: %v", err)
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
