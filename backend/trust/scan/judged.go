package scan

import (
	"context"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
)

// WithJudge has Judged ask j for a second opinion, and returns c.
func (c *Context) WithJudge(j *judge.Judge) *Context {
	c.judge = j
	return c
}

// Judged asks c's judge, if it has one, about a text whose findings fs
// show something without withholding it, and adds the judge's verdict
// when it is an attack: withheld, with the model's name and reason. The
// judge never clears a text the scanner withholds, nor is it asked about
// one the scanner found nothing in. kind says what text is ("a tool's
// definition, as JSON"); its secrets are removed before it is sent. When
// the judge cannot be asked, the scanner's findings stand, with a note
// that shows it.
func Judged(ctx context.Context, c *Context, kind, text string, fs []Finding) []Finding {
	if c == nil || c.judge == nil || len(fs) == 0 || Blocks(fs) {
		return fs
	}
	clean := Redact(text, secretsIn(text, markAnchors(text), c.known))
	at := fs[0] // where the scanner pointed
	v, err := c.judge.Judge(ctx, kind, clean)
	model := c.judge.Model()
	switch {
	case err != nil:
		return append(fs, Finding{Rule: "judge", Severity: Low, Field: at.Field, Start: at.Start, End: at.End, Excerpt: at.Excerpt,
			Reason: "the judge could not be asked: " + sandbox.EscapeControl(err.Error()), Detail: "judge " + model + ": no verdict"})
	case !v.Attack:
		return fs
	}
	reason := v.Reason
	if len(reason) > 200 {
		reason = reason[:200] + "…"
	}
	reason = sandbox.EscapeControl(reason)
	return append(fs, Finding{Rule: "judge", Severity: Medium, Field: at.Field, Start: at.Start, End: at.End, Excerpt: at.Excerpt,
		Reason: fmt.Sprintf("the local model %s judged it an attempt to steer the model: %s", model, reason),
		Detail: fmt.Sprintf("judge %s: attack (%s), asked because the scanner showed %s", model, reason, at.Rule)})
}
