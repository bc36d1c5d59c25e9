package sandbox

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// ImageSources is an administrator's allow-list of where images may come
// from: a repository ("docker.io/mcp/time") or everything under a
// registry or namespace ("ghcr.io/acme/*", "registry.example.com/*").
// Names are matched fully qualified, so "mcp/time" is docker.io/mcp/time.
type ImageSources []string

// Check refuses an image from anywhere the list does not name. An empty
// list allows every image.
func (s ImageSources) Check(ref string) error {
	if len(s) == 0 {
		return nil
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fmt.Errorf("image %q is not a valid reference: %v", ref, err)
	}
	name := named.Name()
	for _, allowed := range s {
		if prefix, ok := strings.CutSuffix(allowed, "*"); ok && strings.HasSuffix(prefix, "/") && strings.HasPrefix(name, prefix) || name == allowed {
			return nil
		}
	}
	return fmt.Errorf("image %s comes from %s, which the administrator's allow-list does not include (%s): choose an image from there or ask for it to be added",
		ref, name, strings.Join(s, ", "))
}

// RestrictImages makes the engine refuse images from sources not listed,
// before anything is pulled or run.
func (e *Engine) RestrictImages(s ImageSources) { e.sources = s }
