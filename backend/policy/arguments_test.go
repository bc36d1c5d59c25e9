package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

// The arguments are shown as the bytes that run, never decoded and
// encoded again, with each way a server could read them otherwise named.
func TestShownArgumentsAreTheBytesThatRun(t *testing.T) {
	raw := json.RawMessage("{\"n\":9007199254740993,\"big\":1e400,\"k\":1,\"k\":2,\"t\":\"go\U000E0041\u00ad\ufe0f\u200b\",\"q\":\"say \\\"hi\\\"\"}")
	got := ShowArguments(raw)
	want := `{
  "n": 9007199254740993,
  "big": 1e400,
  "k": 1,
  "k": 2,
  "t": "go\U000e0041\xad\ufe0f\u200b",
  "q": "say \"hi\""
}`
	if got.Text != want {
		t.Errorf("shown as\n%s\nwant\n%s", got.Text, want)
	}
	for _, w := range []string{
		"$.n: 9007199254740993 is 9007199254740992 in a float64",
		"$.big: 1e400 is beyond what a float64 holds",
		`$: the key "k" is given more than once`,
	} {
		if !contains(got.Warnings, w) {
			t.Errorf("no warning %q in %q", w, got.Warnings)
		}
	}
	if len(got.Warnings) != 3 {
		t.Errorf("want 3 warnings, got %q", got.Warnings)
	}
}

func TestArgumentWarnings(t *testing.T) {
	cases := []struct {
		raw  string
		want []string // each a warning's start; none for honest arguments
	}{
		{`{"a":1,"b":[1.5,0.1,-0,1e2,100.0,9007199254740992,1E-7,123456789012345e-10],"c":{"a":1},"d":"\u00e9\ud83d\ude00"}`, nil},
		{`{"a":{"b":[0,{"x":1,"x":2,"x":3}]}}`, []string{`$.a.b[1]: the key "x" is given more than once`}},
		{`{"a":0.10000000000000000001}`, []string{"$.a: 0.10000000000000000001 is 0.1 in a float64"}},
		{`{"a":1e-400}`, []string{"$.a: 1e-400 is 0 in a float64"}},
		{`{"a":-1e309}`, []string{"$.a: -1e309 is beyond what a float64 holds"}},
		{`{"a":18446744073709551617}`, []string{"$.a: 18446744073709551617 is 18446744073709552000 in a float64"}},
		{`[1,[2,3,9007199254740993]]`, []string{"$[1][2]: 9007199254740993 is"}},
		{`{"bad key":{"s":"x\ud800y","ok":"\ud800\udc00"}}`, []string{`$["bad key"].s: the text holds half a surrogate pair`}},
		{`{"s":"\\ud800"}`, nil}, // an escaped backslash, then text
		{`{"s":"\udc00"}`, []string{"$.s: the text holds half a surrogate pair"}},
		{"{\"s\":\"a\xffb\"}", []string{"$.s: the text holds bytes that are not UTF-8"}},
		{"{\"a\xff\":1,\"a\xfe\":2}", []string{`$, the key "a\xff": the text holds bytes`, `$: the key "a\xfe" is given more than once`, `$, the key "a\xfe": the text holds bytes`}},
		{`{"\u0041":1,"A":2}`, []string{`$: the key "A" is given more than once`}},
		{`{"a":1`, []string{"the arguments are not valid JSON"}},
	}
	for _, c := range cases {
		got := ShowArguments(json.RawMessage(c.raw)).Warnings
		if len(got) != len(c.want) {
			t.Errorf("%s: warnings %q, want %q", c.raw, got, c.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], c.want[i]) {
				t.Errorf("%s: warning %q, want it to start %q", c.raw, got[i], c.want[i])
			}
		}
	}
}

// A hostile call cannot bury the page: warnings stop at a count, and deep
// arguments are shown on one line, not indented by the square of their depth.
func TestArgumentWarningsAreBounded(t *testing.T) {
	many := "[" + strings.Repeat("1e999,", 1000) + "1]"
	if w := ShowArguments(json.RawMessage(many)).Warnings; len(w) != maxWarnings+1 || !strings.HasPrefix(w[maxWarnings], "and 980 more") {
		t.Errorf("%d warnings, last %q", len(w), w[len(w)-1])
	}
	deep := strings.Repeat("[", 9000) + strings.Repeat("9007199254740993,", 1000) + "1" + strings.Repeat("]", 9000)
	shown := ShowArguments(json.RawMessage(deep))
	if w := shown.Warnings; len(w) != maxWarnings+1 || !strings.HasPrefix(w[0], "$"+strings.Repeat("[0]", 9000)+": 9007199254740993 is") {
		t.Errorf("deep arguments: %d warnings, first %.80q", len(w), w[0])
	}
	if shown.Text != deep {
		t.Errorf("deep arguments are not shown on one line, as they are: %.80q", shown.Text)
	}
}

func contains(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// Arguments a decoder reads otherwise than they are written never share a
// digest, and so an exact rule, with what they decode to: {"k":1,"k":2}
// is {"k":1} to a server that takes the first key.
func TestArgsHashKeepsApartWhatDecodingWouldMerge(t *testing.T) {
	for plain, tricky := range map[string]string{
		`{"k":2}`:         `{"k":1,"k":2}`,
		`{"s":"a\ufffd"}`: "{\"s\":\"a\xff\"}",
		`{"t":"\ufffd"}`:  `{"t":"\ud800"}`,
	} {
		if ArgsHash(json.RawMessage(plain)) == ArgsHash(json.RawMessage(tricky)) {
			t.Errorf("%s hashes like %s", tricky, plain)
		}
	}
	twice := json.RawMessage(`{"k":1,"k":2}`)
	if ArgsHash(twice) != ArgsHash(append(json.RawMessage(nil), twice...)) {
		t.Error("the same arguments hash apart")
	}
}
