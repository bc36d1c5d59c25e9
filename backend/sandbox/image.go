package sandbox

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// Image is a catalog reference resolved on this engine.
type Image struct {
	Ref string `json:"ref"` // as the catalog names it
	// ID is the engine's content address of the image (its config digest):
	// the exact image a container is created from.
	ID string `json:"id"`
	// RepoDigest is the registry manifest digest (name@sha256:...) when the
	// image came from a registry; empty for images built or loaded locally.
	RepoDigest string `json:"repoDigest,omitempty"`
	// Volumes are the paths the image declares as volumes, cleaned and
	// sorted; each gets an empty temporary directory (scratchSpace).
	Volumes []string `json:"volumes,omitempty"`
}

// PullPolicy says when ResolveImage may pull.
type PullPolicy string

const (
	PullMissing PullPolicy = "missing" // only when the engine lacks the image
	PullAlways  PullPolicy = "always"  // check the registry for a newer image
	PullNever   PullPolicy = "never"
)

// ResolveImage finds ref on the engine, pulling per policy with progress
// written to progress, and returns what it resolves to now.
func (e *Engine) ResolveImage(ctx context.Context, ref string, policy PullPolicy, progress io.Writer) (Image, error) {
	if err := e.sources.Check(ref); err != nil {
		return Image{}, err
	}
	if policy != PullAlways {
		img, err := e.inspectImage(ctx, ref)
		if err == nil {
			return img, nil
		}
		if !cerrdefs.IsNotFound(err) {
			return Image{}, fmt.Errorf("inspect image %s: %s", ref, oneLine(err))
		}
		if policy == PullNever {
			return Image{}, fmt.Errorf("image %s is not on this engine and pulling is off: load or pull it first", ref)
		}
	}
	if err := e.pull(ctx, ref, progress); err != nil {
		return Image{}, err
	}
	img, err := e.inspectImage(ctx, ref)
	if err != nil {
		return Image{}, fmt.Errorf("inspect image %s after pulling: %s", ref, oneLine(err))
	}
	return img, nil
}

func (e *Engine) inspectImage(ctx context.Context, ref string) (Image, error) {
	res, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, err
	}
	img := Image{Ref: ref, ID: res.ID, RepoDigest: repoDigestFor(ref, res.RepoDigests)}
	if res.Config != nil {
		for v := range res.Config.Volumes {
			img.Volumes = append(img.Volumes, path.Clean("/"+v))
		}
		slices.Sort(img.Volumes)
		img.Volumes = slices.Compact(img.Volumes)
	}
	return img, nil
}

// repoDigestFor picks the registry digest that belongs to ref's repository.
func repoDigestFor(ref string, digests []string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	for _, d := range digests {
		dn, err := reference.ParseNormalizedNamed(d)
		if err == nil && dn.Name() == named.Name() {
			return reference.FamiliarString(dn)
		}
	}
	return ""
}

func (e *Engine) pull(ctx context.Context, ref string, progress io.Writer) error {
	fmt.Fprintf(progress, "bulkhead: pulling %s\n", ref)
	resp, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return pullError(ref, err)
	}
	defer resp.Close()
	if err := jsonmessage.DisplayMessages(resp.JSONMessages(ctx), progress); err != nil {
		return pullError(ref, err)
	}
	return nil
}

func pullError(ref string, err error) error {
	return fmt.Errorf("image %s is not on this engine and pulling it failed: %s; check the name, the network and `docker login`",
		ref, oneLine(err))
}
