package trust

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// Lookalike is an unverified catalog entry that could pass for a verified
// (built-in) one.
type Lookalike struct {
	Entry    string // the unverified entry
	Verified string // the built-in entry it resembles
	Field    string // name, title or image
	Why      string
}

func (l Lookalike) String() string {
	return fmt.Sprintf("%s of %q looks like verified server %q: %s", l.Field, l.Entry, l.Verified, l.Why)
}

// Lookalikes compares an unverified entry's name, title and image with
// those of every verified entry: characters that pass for others, a
// character or two apart, the same words reordered, or the same image
// repository under another namespace.
func Lookalikes(e catalog.Entry, verified []catalog.Entry) []Lookalike {
	if e.Source.Builtin {
		return nil
	}
	var out []Lookalike
	for _, v := range verified {
		add := func(field, why string) {
			if why != "" {
				out = append(out, Lookalike{Entry: e.Name, Verified: v.Name, Field: field, Why: why})
			}
		}
		add("name", nearName(e.Name, v.Name))
		if !strings.EqualFold(e.Title, e.Name) || !strings.EqualFold(v.Title, v.Name) { // else the name said it
			add("title", nearName(e.Title, v.Title))
		}
		add("image", nearImage(e.Image, v.Image))
	}
	return out
}

// nearName says how a could pass for b, or "" when it could not.
func nearName(a, b string) string {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la == lb {
		if a == b {
			return "the same"
		}
		return "the same but for letter case"
	}
	if scan.Skeleton(a) == scan.Skeleton(b) {
		return fmt.Sprintf("%q and %q are drawn alike", a, b)
	}
	if d := editDistance(la, lb); d <= 1 || d == 2 && min(len(la), len(lb)) > 6 {
		return fmt.Sprintf("%q is %d character(s) from %q", a, d, b)
	}
	if wa, wb := words(la), words(lb); len(wa) > 1 && slices.Equal(wa, wb) {
		return fmt.Sprintf("%q has the words of %q in another order", a, b)
	}
	return ""
}

// nearImage says how image a could pass for image b; the same repository
// is no disguise.
func nearImage(a, b string) string {
	ra, rb := repository(a), repository(b)
	if ra == "" || rb == "" || ra == rb {
		return ""
	}
	if path.Base(ra) == path.Base(rb) {
		return fmt.Sprintf("%s is %s under another namespace", ra, path.Base(rb))
	}
	return nearName(ra, rb)
}

func repository(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	return named.Name()
}

// words splits a name on punctuation and sorts the parts.
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" -_./:@", r) })
	slices.Sort(ws)
	return ws
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// neighbours that turn a into b (optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
