// Package trust decides whether what a server is now matches what a person
// approved: image pins, canonical hashes and pins of every definition a
// server offers; the scanners build on it.
package trust

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// FirstUse marks a pin taken without a person's decision: trust on first use.
const FirstUse = "first use"

// ImageChangedError refuses a server whose image is no longer the approved one.
type ImageChangedError struct {
	Server   string
	Approved store.ImagePin
	Now      sandbox.Image
}

func (e *ImageChangedError) Error() string {
	return fmt.Sprintf("server %q is blocked: %s now resolves to image %s, not the approved %s (approved %s by %s); if you trust the new image, run `bulkhead image approve %s %s`",
		e.Server, e.Now.Ref, e.Now.ID, e.Approved.ID, e.Approved.ApprovedAt.Format("2006-01-02"), e.Approved.ApprovedBy, e.Server, e.Now.ID)
}

// CheckImage pins the image on a server's first launch and refuses any
// other image afterwards, whatever tag it arrives under.
func CheckImage(ctx context.Context, st *store.Store, server string, img sandbox.Image) error {
	pin, err := st.ImagePin(ctx, server)
	if errors.Is(err, store.ErrNotFound) {
		return st.SaveImagePin(ctx, pinOf(server, img, FirstUse))
	}
	if err != nil {
		return err
	}
	if pin.ID != img.ID {
		return &ImageChangedError{Server: server, Approved: pin, Now: img}
	}
	if !slices.Equal(pin.Volumes, img.Volumes) {
		// Pinned before volumes were recorded: the same image, so the same
		// volumes, now shown beside the pin.
		pin.Volumes = img.Volumes
		return st.SaveImagePin(ctx, pin)
	}
	return nil
}

// ApproveImage makes img the approved image of server. expectID is the ID
// the person was shown; when the image has moved again since, nothing is
// approved, so a decision never covers an image nobody saw.
func ApproveImage(ctx context.Context, st *store.Store, server string, img sandbox.Image, expectID, by string) error {
	if img.ID != expectID {
		return fmt.Errorf("server %q: %s resolves to %s now, not %s; nothing approved, look again", server, img.Ref, img.ID, expectID)
	}
	return st.SaveImagePin(ctx, pinOf(server, img, by))
}

func pinOf(server string, img sandbox.Image, by string) store.ImagePin {
	return store.ImagePin{Server: server, Ref: img.Ref, ID: img.ID, RepoDigest: img.RepoDigest, ApprovedBy: by, Volumes: img.Volumes}
}
