package trust

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// LookalikeError blocks an entry that could pass for a verified server
// until a person confirms it is the server they mean.
type LookalikeError struct {
	Server string
	Found  []Lookalike
}

func (e *LookalikeError) Error() string {
	why := make([]string, len(e.Found))
	for i, l := range e.Found {
		why[i] = l.String()
	}
	return fmt.Sprintf("server %q is blocked until you confirm it: %s; if it is the server you mean, run `bulkhead confirm %s`",
		e.Server, strings.Join(why, "; "), e.Server)
}

// CheckLookalike refuses an unverified entry that resembles a verified one,
// unless a person confirmed it as it is now.
func CheckLookalike(ctx context.Context, st *store.Store, e catalog.Entry) error {
	found := Lookalikes(e, catalog.Builtin())
	if len(found) == 0 {
		return nil
	}
	ok, err := st.LookalikeConfirmed(ctx, e.Name, shown(e, found))
	if err != nil || ok {
		return err
	}
	return &LookalikeError{Server: e.Name, Found: found}
}

// ConfirmLookalike records that a person, shown what the entry resembles,
// means this entry. It returns the resemblances confirmed (none: nothing to
// confirm).
func ConfirmLookalike(ctx context.Context, st *store.Store, e catalog.Entry, by string) ([]Lookalike, error) {
	found := Lookalikes(e, catalog.Builtin())
	if len(found) == 0 {
		return nil, nil
	}
	return found, st.ConfirmLookalike(ctx, e.Name, shown(e, found), by)
}

// shown hashes what a confirmation covers: the entry's name, title and
// image and each resemblance, so that any change to them asks again.
func shown(e catalog.Entry, found []Lookalike) string {
	h := sha256.New()
	for _, s := range []string{e.Name, e.Title, e.Image} {
		fmt.Fprintf(h, "%q\n", s)
	}
	for _, l := range found {
		fmt.Fprintf(h, "%q\n", l.String())
	}
	return hex.EncodeToString(h.Sum(nil))
}
