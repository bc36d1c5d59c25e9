package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// FuzzGuard feeds arbitrary streams to the JSON-RPC line guard: whatever
// comes in, what goes out is only whole lines, each one JSON object within
// the cap, and every line dropped is reported. testdata/fuzz/FuzzGuard
// keeps what it found: a message of exactly the cap passed without a line
// ending and was refused with one.
func FuzzGuard(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}` + "\n",
		"banner from a server\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n",
		"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]\n\n   \n",
		"{\"a\":1}\r\n{\"b\":\n2}\n{}",
		"\x00\xff{\"x\":\"\u202e\"}\n",
	} {
		f.Add([]byte(seed), 64)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		max = 16 + abs(max)%4096
		bad := 0
		out, err := io.ReadAll(Guard(bytes.NewReader(in), max, func(d Dropped) []byte {
			if d.Reason == "" || len(d.Sample) > 200 || (d.Code != CodeParseError && d.Code != CodeInvalidRequest) || len(d.ID) > maxID {
				t.Errorf("bad report: %d %q %d bytes, id %q", d.Code, d.Reason, len(d.Sample), d.ID)
			}
			bad++
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if len(line) == 0 || line[0] != '{' || !json.Valid(line) || len(line) > max {
				t.Fatalf("passed a line that is not one JSON object within %d bytes: %q", max, line)
			}
		}
		if len(out) > 0 && out[len(out)-1] != '\n' {
			t.Fatalf("output ends mid-line: %q", out)
		}
		if bytes.Count(in, []byte("\n"))+1 < bytes.Count(out, []byte("\n"))+bad {
			t.Fatalf("more lines out (%d passed, %d dropped) than in", bytes.Count(out, []byte("\n")), bad)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// The cap is on the message: the same message passes with or without its
// line ending, and one byte more is refused either way.
func TestGuardCapExcludesTheLineEnding(t *testing.T) {
	msg := `{"jsonrpc":"2.0","method":"ping"}`
	for _, tail := range []string{"", "\n"} {
		for max, pass := range map[int]bool{len(msg): true, len(msg) - 1: false} {
			out, _ := io.ReadAll(Guard(bytes.NewReader([]byte(msg+tail)), max, func(Dropped) []byte { return nil }))
			if got := len(out) > 0; got != pass {
				t.Errorf("cap %d, ending %q: passed %v, want %v", max, tail, got, pass)
			}
		}
	}
}
