package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

const testToken = "test-token-0123456789abcdefghijklmnopqrstuv"

// env is an API on a real loopback listener over a real SQLite file.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	api    *API
	st     *store.Store
	queue  *policy.Queue
	origin string
	client *http.Client
}

func newEnv(t testing.TB, tweak ...func(*Config)) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, queue: policy.NewQueue(st, "test", func(string) bool { return true })}
	srv := httptest.NewUnstartedServer(nil)
	host := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(host)
	e.origin = "http://" + host
	cfg := Config{
		Token: testToken, Hosts: []string{host, "localhost:" + port}, Origins: []string{e.origin},
		Store: st, Queue: e.queue, DecidedBy: "tester (web UI)",
		Catalog:   func() (*catalog.Catalog, error) { return catalog.Load("", false) },
		EventPoll: 50 * time.Millisecond,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	e.api = New(ctx, cfg)
	srv.Config.Handler = e.api
	srv.Start()
	t.Cleanup(srv.Close)
	e.srv = srv
	e.client = srv.Client()
	return e
}

// req sends a request with the token and, for a body, the JSON type;
// headers given as name, value pairs are set last ("" removes one).
func (e *env) req(method, path string, body any, headers ...string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+testToken)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			r.Host = headers[i+1]
		} else if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := e.client.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// decode reads a response, wanting its status, into v (may be nil).
func decode(t testing.TB, resp *http.Response, status int, v any) {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
}

// wantError checks a refusal's status and stable code.
func wantError(t testing.TB, resp *http.Response, status int, code string) {
	t.Helper()
	var body struct{ Error Error }
	decode(t, resp, status, &body)
	if body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("error %+v, want code %s with a message", body.Error, code)
	}
}

// hold puts a call on hold as a gateway in this process would, and
// returns its id once it is pending, with the channel its decision comes
// back on. A call still held when the test ends is abandoned, and the
// test waits for its goroutine, so nothing of it outlives the test.
func (e *env) hold(args string) (int64, <-chan store.Approval) {
	e.t.Helper()
	raw := json.RawMessage(args)
	a := store.Approval{Server: "time", Tool: "get_time", Arguments: raw, ArgsHash: policy.ArgsHash(raw), Client: "test-client 1.0", Session: "s1", Reason: "ask"}
	ctx, cancel := context.WithCancel(context.Background())
	held := make(chan int64, 1)
	out := make(chan store.Approval, 1)
	failed := make(chan error, 1)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		got, err := e.queue.Hold(ctx, a, policy.HoldOptions{Timeout: 10 * time.Minute, OnHeld: func(h store.Approval) { held <- h.ID }})
		if err != nil {
			failed <- err
			return
		}
		out <- got
	}()
	e.t.Cleanup(func() {
		cancel()
		<-ended
		select {
		case err := <-failed:
			e.t.Errorf("held call: %v", err)
		default:
		}
	})
	select {
	case id := <-held:
		return id, out
	case <-ended:
		select {
		case id := <-held: // held, then ended at once
			return id, out
		case err := <-failed:
			e.t.Fatalf("the call was never held: %v", err)
		}
	case <-time.After(time.Minute):
		e.t.Fatal("the held call never became pending")
	}
	return 0, nil
}

// TestAHeldCallEndsWithItsTest: a call a test holds and never decides is
// over when that test ends (abandoned, its goroutine gone), so it cannot
// report into a test that has completed however slow the machine is.
func TestAHeldCallEndsWithItsTest(t *testing.T) {
	e := newEnv(t)
	var id int64
	t.Run("holds a call and leaves", func(t *testing.T) {
		sub := *e
		sub.t = t
		id, _ = sub.hold(`{"left":"undecided"}`)
	})
	a, err := e.st.GetApproval(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision != store.Abandoned {
		t.Fatalf("after its test, the held call is %+v; want it abandoned", a)
	}
}
