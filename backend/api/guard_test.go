package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

// A web page can reach loopback: these are the requests it could make, and
// each is refused before anything is read or changed.
func TestRefusesWithoutTheToken(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.req("GET", "/api/approvals", nil, "Authorization", ""), http.StatusUnauthorized, CodeUnauthorized)
	wantError(t, e.req("GET", "/api/approvals", nil, "Authorization", "Bearer "+testToken+"x"), http.StatusUnauthorized, CodeUnauthorized)
	wantError(t, e.req("GET", "/api/approvals", nil, "Authorization", "Basic "+testToken), http.StatusUnauthorized, CodeUnauthorized)
	resp := e.req("GET", "/api/approvals", nil, "Authorization", "")
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("no WWW-Authenticate challenge")
	}
	resp.Body.Close()
	decode(t, e.req("GET", "/api/approvals", nil), http.StatusOK, nil)
}

func TestRefusesAForeignOrigin(t *testing.T) {
	e := newEnv(t)
	id, _ := e.hold(`{"tz":"UTC"}`)
	path := fmt.Sprintf("/api/approvals/%d/decision", id)
	body := map[string]string{"decision": "allow_once"}
	wantError(t, e.req("POST", path, body, "Origin", "http://evil.example"), http.StatusForbidden, CodeForeignOrigin)
	wantError(t, e.req("POST", path, body, "Origin", "null"), http.StatusForbidden, CodeForeignOrigin)
	wantError(t, e.req("POST", path, body, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, CodeCrossSite)
	e.wantPending(id)
	decode(t, e.req("GET", "/api/approvals", nil, "Origin", e.origin, "Sec-Fetch-Site", "same-origin"), http.StatusOK, nil)
}

// DNS rebinding: the page's own name, now resolving to 127.0.0.1, reaches
// the listener with that name in Host.
func TestRefusesARebindingHost(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port, "localhost:1"} {
		wantError(t, e.req("GET", "/api/servers", nil, "Host", host), http.StatusForbidden, CodeBadHost)
		wantError(t, e.req("GET", "/", nil, "Host", host), http.StatusForbidden, CodeBadHost)
	}
	decode(t, e.req("GET", "/api/settings", nil, "Host", "localhost:"+port), http.StatusOK, nil)
}

func TestNoStateChangeByGETOrAForm(t *testing.T) {
	e := newEnv(t)
	id, _ := e.hold(`{"tz":"Europe/Paris"}`)
	path := fmt.Sprintf("/api/approvals/%d/decision", id)
	wantError(t, e.req("GET", path+"?decision=allow_once", nil), http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	decode(t, e.req("HEAD", path+"?decision=allow_once", nil), http.StatusMethodNotAllowed, nil)
	// A form post carries no JSON type; a missing type is no better.
	wantError(t, e.req("POST", path, map[string]string{"decision": "allow_once"}, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, CodeUnsupportedMedia)
	wantError(t, e.req("POST", path, map[string]string{"decision": "allow_once"}, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, CodeUnsupportedMedia)
	wantError(t, e.req("PUT", "/api/settings/approval-timeout", nil), http.StatusUnsupportedMediaType, CodeUnsupportedMedia)
	e.wantPending(id)
	if s, ok, _ := e.st.Setting(context.Background(), "approval-timeout"); ok {
		t.Fatalf("a setting changed: %q", s)
	}
}

func TestCapsBodiesAndRejectsUnknownFields(t *testing.T) {
	e := newEnv(t)
	id, _ := e.hold(`{"a":1}`)
	path := fmt.Sprintf("/api/approvals/%d/decision", id)
	big := map[string]string{"decision": "allow_once", "pad": strings.Repeat("x", 70<<10)}
	wantError(t, e.req("POST", path, big), http.StatusRequestEntityTooLarge, CodeTooLarge)
	wantError(t, e.req("POST", path, map[string]string{"decision": "allow_once", "arguments": `{"a":2}`}), http.StatusBadRequest, CodeBadRequest)
	wantError(t, e.req("POST", path, map[string]string{"decision": "maybe"}), http.StatusBadRequest, CodeBadRequest)
	e.wantPending(id)
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/api/servers", "/api/nothing"} {
		resp := e.req("GET", path, nil)
		resp.Body.Close()
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
		if strings.HasPrefix(path, "/api") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
		}
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: CORS header %q", path, h.Get("Access-Control-Allow-Origin"))
		}
	}
	wantError(t, e.req("GET", "/api/nothing", nil), http.StatusNotFound, CodeNotFound)
}

// Wrong tokens are limited on their own budget: a guesser is slowed and
// gets 429, while the person's requests still pass.
func TestRateLimitsWrongTokens(t *testing.T) {
	e := newEnv(t)
	limited := false
	for range 40 {
		resp := e.req("GET", "/api/approvals", nil, "Authorization", "Bearer guess")
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = resp.Header.Get("Retry-After") != ""
			break
		}
	}
	if !limited {
		t.Fatal("40 wrong tokens in a row were never limited")
	}
	decode(t, e.req("GET", "/api/approvals", nil), http.StatusOK, nil)
}

func TestRateLimitsRequests(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RequestsPerSecond, c.Burst = 1, 3 })
	codes := map[int]int{}
	for range 6 {
		resp := e.req("GET", "/api/settings", nil)
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusOK] < 3 || codes[http.StatusTooManyRequests] < 2 {
		t.Fatalf("statuses %v: want the burst of 3 to pass and the rest limited", codes)
	}
}

func (e *env) wantPending(id int64) {
	e.t.Helper()
	a, err := e.st.GetApproval(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if a.Decision != "" {
		e.t.Fatalf("held call %d was decided (%s by %s)", id, a.Decision, a.DecidedBy)
	}
}
