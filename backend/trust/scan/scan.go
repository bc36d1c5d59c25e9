// Package scan looks for instructions smuggled to a model: in the text of
// tool, prompt and resource definitions (tool poisoning, line jumping) and
// in what tools return (prompt injection). Each finding names its rule,
// where it is and why, in one line; control and invisible characters in
// excerpts are escaped.
package scan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
)

// Severity orders findings; Medium and above withhold a definition.
type Severity int

const (
	Low Severity = iota + 1
	Medium
	High
)

func (s Severity) String() string {
	switch s {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	}
	return strconv.Itoa(int(s))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	for _, v := range []Severity{Low, Medium, High} {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Finding is one suspicious span.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Field    string   `json:"field"` // JSON path of the text, e.g. inputSchema.properties.q.description
	Start    int      `json:"start"` // byte offsets of the span in that text
	End      int      `json:"end"`
	Excerpt  string   `json:"excerpt"` // the span, escaped
	Reason   string   `json:"reason"`
	// Detail is what fired, for bulkhead scan --explain: the phrase
	// rule's pattern, or the learned score and its thresholds.
	Detail string `json:"detail,omitempty"`
}

// Explain says what caused the finding and where: the rule or score, and
// the span's bytes in its field.
func (f Finding) Explain() string {
	what := f.Detail
	if what == "" {
		what = "rule " + f.Rule
	}
	return fmt.Sprintf("caused by %s; span: bytes %d-%d of %s", what, f.Start, f.End, orWhole(f.Field))
}

func orWhole(field string) string {
	if field == "" {
		return "the text"
	}
	return field
}

func (f Finding) String() string {
	return fmt.Sprintf("%s [%s] %s: %s: \"%s\"", f.Rule, f.Severity, f.Field, f.Reason, f.Excerpt) // Excerpt is escaped already
}

// Blocks reports whether any finding is serious enough to withhold.
func Blocks(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity >= Medium })
}

// Context is what a definition is judged against: the other servers'
// tools, for shadowing and look-alike names, and the known secrets, which
// no excerpt may show. Build it with NewContext.
type Context struct {
	known       *Secrets
	others      map[string]string   // tool name -> its server
	siblings    map[string]bool     // the tools of the definition's own server
	skeletons   map[string][]string // skeleton -> tool names
	mentionable map[string]bool     // tool-like names of other servers' tools, as they are spelt
	// lengths has bit n%64 of entry c set when a mentionable name of length
	// n starts with byte c: most words are ruled out without a map lookup.
	lengths [256]uint64
	// descriptions of the other servers' tools, and those tools by the
	// cores of their names (see impersonation.go).
	descriptions map[string]string
	cores        map[string][]string
	judge        *judge.Judge // a second opinion, see Judged; nil: none
}

// NewContext prepares the other servers' tools (name -> server) once for
// the scans of many definitions.
func NewContext(otherTools map[string]string) *Context {
	c := &Context{others: otherTools, skeletons: map[string][]string{}, mentionable: map[string]bool{}}
	for _, name := range slices.Sorted(maps.Keys(otherTools)) {
		c.skeletons[Skeleton(name)] = append(c.skeletons[Skeleton(name)], name)
		if toolLike(name) {
			c.mentionable[name] = true
			c.lengths[name[0]] |= 1 << (len(name) % 64)
		}
	}
	return c
}

// WithSiblings names the tools of the scanned definition's own server: a
// description may speak of them, even where another server has a tool of
// the same name.
func (c *Context) WithSiblings(names []string) *Context {
	c.siblings = make(map[string]bool, len(names))
	for _, n := range names {
		c.siblings[strings.ToLower(n)] = true
	}
	return c
}

// WithSecrets has c keep known's values out of every excerpt, and returns c.
func (c *Context) WithSecrets(known *Secrets) *Context {
	c.known = known
	return c
}

// Definition scans every text a model reads in a definition (names,
// titles, descriptions, schema text, defaults, enum values), given as
// decoded JSON. Findings come in the order of their fields.
func Definition(def any, ctx *Context) []Finding {
	if ctx == nil {
		ctx = NewContext(nil)
	}
	w := newWalker(ctx, def)
	defer w.done()
	w.walk(def)
	n := len(w.out)
	w.out = scoreFinding(w.out, w.prose, true, w.readAsProse, func(i int) string { return w.proseTexts[i] }, w.proseField)
	if len(w.out) > n { // the score's finding, which shows no secret of its text either
		text := w.proseTexts[w.prose.bestText()]
		secrets := secretsIn(text, markAnchors(text), w.ctx.known)
		for _, f := range w.out[:n] {
			if f.Field == w.out[n].Field && f.Rule == "secret" { // an encoded one, found there
				secrets = append(secrets, f)
			}
		}
		conceal(w.out[n:], text, secrets)
	}
	out := impersonation(w.out, def, ctx)
	slices.SortStableFunc(out, func(a, b Finding) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// walkers are pooled: a listing scans many definitions, each of which
// would grow its stacks anew.
var walkers = sync.Pool{New: func() any { return new(walker) }}

func newWalker(ctx *Context, def any) *walker {
	w := walkers.Get().(*walker)
	*w = walker{ctx: ctx, prose: newScoring(), def: def,
		path: w.path[:0], keys: w.keys[:0], proseTexts: w.proseTexts[:0], prosePaths: w.prosePaths[:0], proseSteps: w.proseSteps[:0]}
	return w
}

// done puts w back, holding on to none of the definition's text.
func (w *walker) done() {
	w.prose.done()
	clear(w.proseTexts)
	clear(w.keys[:cap(w.keys)])
	clear(w.path[:cap(w.path)])
	clear(w.proseSteps[:cap(w.proseSteps)])
	*w = walker{path: w.path[:0], keys: w.keys[:0], proseTexts: w.proseTexts[:0], prosePaths: w.prosePaths[:0], proseSteps: w.proseSteps[:0]}
	walkers.Put(w)
}

// DefinitionJSON scans a definition given as JSON.
func DefinitionJSON(doc []byte, ctx *Context) ([]Finding, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return Definition(v, ctx), nil
}

// walker visits every string of a definition. The path of the text being
// read is kept as a stack and spelt out only for a finding.
type walker struct {
	ctx  *Context
	path []step
	out  []Finding
	// prose is the scoring of the definition's descriptions and titles,
	// read as one document, whose texts and fields are kept to show.
	prose      *scoring
	proseTexts []string
	prosePaths [][2]int // of each prose text, its path's steps in proseSteps
	proseSteps []step
	keys       []string
	def        any // the definition being walked
	// values are the strings the definition's schemas take as enum or
	// const values: its own vocabulary (action: update_application),
	// which its text names as no other server's tool. Read when first
	// asked (valuesRead), as few texts name another server's tool.
	values     map[string]bool
	valuesRead bool
	// wraps is wrapsModel's answer, once wrapsRead.
	wraps, wrapsRead bool
}

// ownValue reports whether s is one of the definition's enum or const
// values.
func (w *walker) ownValue(s string) bool {
	if !w.valuesRead {
		w.values, w.valuesRead = schemaValues(w.def, nil), true
	}
	return w.values[s]
}

// wrapsModel reports whether the tool's name or description says it
// talks to a language model: then a parameter for the conversation is
// its input, and is shown, not withheld. Read when first asked.
func (w *walker) wrapsModel() bool {
	if !w.wrapsRead {
		top, _ := w.def.(map[string]any)
		name, _ := top["name"].(string)
		desc, _ := top["description"].(string)
		w.wraps, w.wrapsRead = mentionsModel(name) || mentionsModel(desc), true
	}
	return w.wraps
}

type step struct {
	key   string
	index int // for an array element; key is empty
}

func (w *walker) walk(v any) {
	switch v := v.(type) {
	case string:
		w.text(v, false)
	case map[string]any:
		properties := w.last(0) == "properties"
		// In order, the scorer reading the prose as one document; the keys
		// of the maps being walked are a stack in w.keys.
		from := len(w.keys)
		for k := range v {
			w.keys = append(w.keys, k)
		}
		slices.Sort(w.keys[from:])
		end := len(w.keys)
		for j := from; j < end; j++ {
			k := w.keys[j]
			e := v[k]
			w.path = append(w.path, step{key: k})
			if properties {
				w.text(k, true) // a property's name is text the model reads too
			}
			w.walk(e)
			w.path = w.path[:len(w.path)-1]
		}
		w.keys = w.keys[:from]
	case []any:
		for i, e := range v {
			w.path = append(w.path, step{index: i})
			w.walk(e)
			w.path = w.path[:len(w.path)-1]
		}
	}
}

// text scans one string; propertyName marks the name of a schema property
// rather than its value.
func (w *walker) text(s string, propertyName bool) {
	if !propertyName && w.last(0) == "type" && schemaTypes[s] {
		return // "string", "object": nothing in it to find, in most of a schema's strings
	}
	n := len(w.out)
	m := markAnchors(s)
	var sc *scoring
	if !propertyName && (w.last(0) == "description" || w.last(0) == "title") {
		sc = w.prose
		sc.text = len(w.proseTexts)
		w.proseTexts = append(w.proseTexts, s)
		w.prosePaths = append(w.prosePaths, [2]int{len(w.proseSteps), len(w.proseSteps) + len(w.path)})
		w.proseSteps = append(w.proseSteps, w.path...)
	}
	w.out = scanText(w.out, s, m, w.ctx.known, sc)
	if w.last(0) == "src" && w.last(2) == "icons" && len(w.path) >= 2 && w.path[len(w.path)-2].key == "" {
		w.out = icon(w.out, s)
	}
	isName := len(w.path) == 1 && w.last(0) == "name"
	if isName {
		w.out = names(w.out, s, w.ctx)
	} else {
		w.out = shadowing(w.out, s, w.ctx, w.ownValue)
	}
	switch {
	case propertyName || w.last(0) == "name" && w.last(2) == "arguments":
		w.out = exfilName(w.out, s)
	case m.exfil && w.last(0) == "description" && (w.last(2) == "properties" || w.last(2) == "arguments"):
		w.out = exfilDescription(w.out, s, w.wrapsModel())
	}
	if len(w.out) > n {
		ownToolsOnly(w.out[n:], s, w.ctx)
		conceal(w.out[n:], s, secretsIn(s, m, w.ctx.known))
		field := w.field(propertyName)
		for i := n; i < len(w.out); i++ {
			w.out[i].Field = field
		}
	}
}

// proseField spells the field of prose text i.
func (w *walker) proseField(i int) string {
	at := w.prosePaths[i]
	return spell(w.proseSteps[at[0]:at[1]], false)
}

// readAsProse reports whether field is one the scorer read.
func (w *walker) readAsProse(field string) bool {
	for i := range w.prosePaths {
		if w.proseField(i) == field {
			return true
		}
	}
	return false
}

// schemaTypes are the values a JSON Schema's type may take.
var schemaTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "object": true, "array": true, "null": true}

// last is the key n steps up from the text ("" for an array element).
func (w *walker) last(n int) string {
	if n >= len(w.path) {
		return ""
	}
	return w.path[len(w.path)-1-n].key
}

// field spells the path, e.g. inputSchema.properties.q.description, with
// #name for a property's name.
func (w *walker) field(propertyName bool) string { return spell(w.path, propertyName) }

func spell(path []step, propertyName bool) string {
	var b strings.Builder
	for i, s := range path {
		if s.key == "" {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	if propertyName {
		b.WriteString("#name")
	}
	return b.String()
}

// schemaValues adds to values, made when first needed, every string of
// an enum or const in v.
func schemaValues(v any, values map[string]bool) map[string]bool {
	add := func(e any) {
		if s, ok := e.(string); ok {
			if values == nil {
				values = map[string]bool{}
			}
			values[s] = true
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch list, _ := e.([]any); {
			case k == "enum":
				for _, x := range list {
					add(x)
				}
			case k == "const":
				add(e)
			default:
				values = schemaValues(e, values)
			}
		}
	case []any:
		for _, e := range v {
			values = schemaValues(e, values)
		}
	}
	return values
}
