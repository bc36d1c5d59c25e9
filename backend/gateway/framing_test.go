package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestGuardPassesMessagesAndReportsTheRest(t *testing.T) {
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		``,
		`{not json`,
		`[{"jsonrpc":"2.0","id":2,"method":"ping"}]`,
		`"a string"`,
		`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"` + strings.Repeat("x", 300) + `"}}`,
		`  {"jsonrpc":"2.0","id":4,"method":"ping"}  `,
	}, "\n") + "\n"
	type bad struct {
		code int
		msg  string
	}
	var reported []bad
	r := Guard(strings.NewReader(in), 200, func(d Dropped) []byte {
		if len(d.Sample) > 200 {
			t.Errorf("sample of %d bytes kept", len(d.Sample))
		}
		reported = append(reported, bad{d.Code, d.Reason})
		return nil
	})
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n" + `{"jsonrpc":"2.0","id":4,"method":"ping"}` + "\n"
	if string(out) != want {
		t.Errorf("passed on %q, want %q", out, want)
	}
	codes := []int{}
	for _, b := range reported {
		codes = append(codes, b.code)
	}
	if len(codes) != 4 || codes[0] != CodeParseError || codes[1] != CodeInvalidRequest || codes[2] != CodeInvalidRequest || codes[3] != CodeInvalidRequest ||
		!strings.Contains(reported[3].msg, "larger than 200 bytes") {
		t.Errorf("reported %+v", reported)
	}
}

func TestGuardHandlesALastLineWithoutNewline(t *testing.T) {
	out, _ := io.ReadAll(Guard(strings.NewReader(`{"id":1}`), 100, func(Dropped) []byte { t.Error("reported a good line"); return nil }))
	if string(out) != "{\"id\":1}\n" {
		t.Errorf("got %q", out)
	}
}

func TestStreamTransportAnswersBadLinesWithWholeMessages(t *testing.T) {
	var out bytes.Buffer
	lw := &lineWriter{mu: &sync.Mutex{}, w: &out}
	lw.Write([]byte(`{"jsonrpc":"2.0",`))
	if out.Len() != 0 {
		t.Error("a partial message was written")
	}
	lw.Write([]byte(`"id":1,"result":{}}` + "\n"))
	var msg map[string]any
	if err := json.Unmarshal(out.Bytes(), &msg); err != nil || msg["id"] != float64(1) {
		t.Errorf("written %q", out.String())
	}
}

// TestGuardReadsTheIDOfWhatItDrops: an oversized or too-deep message's id
// is read wherever it stands at the top level (not from nested objects),
// with whether it was a request, and what onBad returns is passed on in
// its place.
func TestGuardReadsTheIDOfWhatItDrops(t *testing.T) {
	huge := `"` + strings.Repeat("x", 5000) + `"`
	deep := strings.Repeat("[", 10050) + strings.Repeat("]", 10050)
	cases := []struct {
		line, id string
		request  bool
		max      int
	}{
		{`{"jsonrpc":"2.0","id":7,"result":{"text":` + huge + `}}`, "7", false, 1000},
		{`{"result":{"id":99,"text":` + huge + `},"jsonrpc":"2.0","id":"call-\"8\""}`, `"call-\"8\""`, false, 1000},
		{`{"jsonrpc":"2.0","method":"sampling/createMessage","id":3,"params":{"x":` + huge + `}}`, "3", true, 1000},
		{`{"jsonrpc":"2.0","method":"notifications/message","params":{"data":` + huge + `}}`, "", true, 1000},
		{`{"jsonrpc":"2.0","id":12,"result":` + deep + `}`, "12", false, 1 << 20}, // within the cap, too deep to decode
		{`{"jsonrpc":"2.0","result":{"id":5,"pad":` + huge + `}}`, "", false, 1000},
	}
	for _, c := range cases {
		var got Dropped
		out, _ := io.ReadAll(Guard(strings.NewReader(c.line+"\n"), c.max, func(d Dropped) []byte {
			got = d
			return []byte("{\"instead\":true}\n")
		}))
		if string(got.ID) != c.id || got.Request != c.request {
			t.Errorf("%.60s...: id %q request %v, want %q %v", c.line, got.ID, got.Request, c.id, c.request)
		}
		if string(out) != "{\"instead\":true}\n" {
			t.Errorf("passed on %q, want what onBad returned", out)
		}
	}
}
