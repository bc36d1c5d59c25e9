package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// TestThousandHeldCallsDecidedThroughTheAPI holds 1,000 calls at once, as
// gateways would, and has two people race to decide every one through
// the API, under its default rate limit. Each call is decided exactly
// once, its waiter gets that decision with its own arguments, and none is
// lost or left pending.
func TestThousandHeldCallsDecidedThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	r := e.decideRound(1000)
	t.Logf("1000 held calls, 2000 racing decisions over %d connections: all decided in %s (%.0f decisions/s); POST latency p50 %s, p99 %s; %d answered 429 and were retried",
		loadConns, r.elapsed.Round(time.Millisecond), 1000/r.elapsed.Seconds(), r.p50, r.p99, r.limited)
}

// BenchmarkDecideThroughTheAPI measures rounds of 1,000 held calls decided
// through the API (two racing deciders per call) with the rate limit out of
// the way: what the API and the database can do.
func BenchmarkDecideThroughTheAPI(b *testing.B) {
	for range b.N {
		b.StopTimer()
		e := newEnv(b, func(c *Config) { c.RequestsPerSecond, c.Burst = 1e6, 1e6 })
		b.StartTimer()
		r := e.decideRound(1000)
		b.ReportMetric(1000/r.elapsed.Seconds(), "decisions/s")
		b.ReportMetric(float64(r.p50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(r.p99.Microseconds()), "p99-µs")
	}
}

const loadConns = 32

type roundResult struct {
	elapsed, p50, p99 time.Duration
	limited           int
}

func (e *env) decideRound(n int) roundResult {
	t := e.t
	ctx, cancel := context.WithCancel(context.Background())
	type held struct {
		args     string
		decision store.Approval
	}
	results := make([]held, n)
	var holders sync.WaitGroup
	defer func() { // a round that fails half-way leaves no call waiting
		cancel()
		holders.Wait()
	}()
	for i := range n {
		results[i].args = fmt.Sprintf(`{"n":%d}`, i)
		holders.Add(1)
		go func() {
			defer holders.Done()
			raw := json.RawMessage(results[i].args)
			a, err := e.queue.Hold(ctx, store.Approval{Server: "s", Tool: "t", Arguments: raw, ArgsHash: policy.ArgsHash(raw),
				Client: "load", Session: "s" + strconv.Itoa(i%7), Reason: "ask"}, policy.HoldOptions{Timeout: 5 * time.Minute})
			if err != nil {
				t.Errorf("hold %d: %v", i, err)
			}
			results[i].decision = a
		}()
	}

	// The people see the queue through the API.
	var pending []Approval
	for deadline := time.Now().Add(time.Minute); len(pending) < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d calls pending after a minute", len(pending), n)
		}
		e.getRetrying("/api/approvals?limit=0", &pending)
	}

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: loadConns, MaxIdleConnsPerHost: loadConns}}
	defer client.CloseIdleConnections()
	type answer struct {
		id       int64
		decision string
		status   int
		took     time.Duration
		limited  int
	}
	answers := make(chan answer, 2*n)
	start := time.Now()
	var deciders sync.WaitGroup
	for _, p := range pending {
		for _, decision := range []string{store.AllowOnce, store.Deny} {
			deciders.Add(1)
			go func() {
				defer deciders.Done()
				status, took, limited := e.postRetrying(client, fmt.Sprintf("/api/approvals/%d/decision", p.ID), `{"decision":"`+decision+`"}`)
				answers <- answer{p.ID, decision, status, took, limited}
			}()
		}
	}
	deciders.Wait()
	holders.Wait()
	elapsed := time.Since(start)
	close(answers)

	won := map[int64]string{}
	lost := map[int64]int{}
	var took []time.Duration
	limited := 0
	for a := range answers {
		took = append(took, a.took)
		limited += a.limited
		switch a.status {
		case http.StatusOK:
			if prev, twice := won[a.id]; twice {
				t.Errorf("call %d decided twice: %s and %s", a.id, prev, a.decision)
			}
			won[a.id] = a.decision
		case http.StatusConflict:
			lost[a.id]++
		default:
			t.Errorf("call %d: status %d", a.id, a.status)
		}
	}
	for _, r := range results {
		var args struct{ N int }
		json.Unmarshal([]byte(r.args), &args)
		d := r.decision
		if d.ID == 0 || won[d.ID] != d.Decision || lost[d.ID] != 1 || d.ArgsHash != policy.ArgsHash(json.RawMessage(r.args)) {
			t.Errorf("call with %s: waiter got %+v; the API let %q win with %d refused", r.args, d, won[d.ID], lost[d.ID])
		}
	}
	if len(won) != n {
		t.Errorf("%d calls decided, want %d", len(won), n)
	}
	if left, _ := e.st.Approvals(ctx, true, 0); len(left) != 0 {
		t.Errorf("%d calls still pending", len(left))
	}
	slices.Sort(took)
	return roundResult{elapsed: elapsed, p50: took[len(took)/2], p99: took[len(took)*99/100], limited: limited}
}

// postRetrying posts until the answer is not 429, waiting as told.
func (e *env) postRetrying(client *http.Client, path, body string) (status int, took time.Duration, limited int) {
	for {
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			e.t.Errorf("%s: %v", path, err)
			return 0, 0, limited
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, time.Since(start), limited
		}
		limited++
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

func (e *env) getRetrying(path string, v any) {
	for {
		resp := e.req("GET", path, nil)
		if resp.StatusCode != http.StatusTooManyRequests {
			decode(e.t, resp, http.StatusOK, v)
			return
		}
		resp.Body.Close()
		time.Sleep(time.Second)
	}
}
