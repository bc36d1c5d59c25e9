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
	r := Guard(strings.NewReader(in), 200, func(code int, msg string, sample []byte) {
		if len(sample) > 200 {
			t.Errorf("sample of %d bytes kept", len(sample))
		}
		reported = append(reported, bad{code, msg})
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
	out, _ := io.ReadAll(Guard(strings.NewReader(`{"id":1}`), 100, func(int, string, []byte) { t.Error("reported a good line") }))
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
