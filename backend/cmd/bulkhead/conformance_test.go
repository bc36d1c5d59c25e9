package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// conformanceGaps are the scenarios that pass against the conformance
// server directly but not yet through the gateway, by revision/scenario,
// with why. Each must still fail: one that passes is taken off the list.
var conformanceGaps = map[string]string{}

// TestConformanceThroughTheGateway runs the official conformance suite's
// server scenarios, at every revision it has them for, against the
// project's conformance server directly and then through `bulkhead
// gateway --http --names bare` with that server sandboxed, once over
// stdio and once speaking HTTP in its container. Every scenario that
// passes directly must pass through the gateway too, but for the known
// gaps above.
func TestConformanceThroughTheGateway(t *testing.T) {
	suite := testenv.RequireSuite(t)
	cli := testenv.RequireEngine(t)
	image := testenv.ServerImage(t, cli, "conformance")
	e := newEnv(t, entryYAML("conf", image, "")+
		"  - name: confhttp\n    image: "+image+"\n    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n")
	e.allow("conf", "confhttp")

	direct := directConformanceServer(t)
	routes := []struct{ name, server string }{{"stdio", "conf"}, {"http", "confhttp"}}
	table := map[string]map[string]testenv.Scenario{} // "rev/scenario" -> route -> how it went
	for _, rev := range testenv.Revisions {
		record := func(route string, out testenv.Outcome) {
			for scenario, how := range out {
				key := rev.Name + "/" + scenario
				if table[key] == nil {
					table[key] = map[string]testenv.Scenario{}
				}
				table[key][route] = how
			}
		}
		record("direct", suite.Server(t, direct, rev))
		for _, r := range routes {
			url, stop := e.conformanceGateway(t, r.server)
			record(r.name, suite.Server(t, url, rev))
			stop()
		}
	}

	keys := slices.Sorted(maps.Keys(table))
	var report strings.Builder
	fmt.Fprintf(&report, "%-70s %-7s %-7s %-7s\n", "revision/scenario", "direct", "stdio", "http")
	for _, key := range keys {
		row := table[key]
		fmt.Fprintf(&report, "%-70s %-7s %-7s %-7s\n", key, mark(row, "direct"), mark(row, "stdio"), mark(row, "http"))
		if !row["direct"].Passed {
			continue
		}
		var failing []string
		for _, r := range routes {
			if !row[r.name].Passed {
				failing = append(failing, fmt.Sprintf("%s (%s)", r.name, strings.Join(row[r.name].Failures, "; ")))
			}
		}
		_, gap := conformanceGaps[key]
		switch {
		case len(failing) > 0 && !gap:
			t.Errorf("%s passes direct but fails through the gateway over %s", key, strings.Join(failing, ", "))
		case len(failing) == 0 && gap:
			t.Errorf("%s now passes through the gateway: take it off conformanceGaps", key)
		}
	}
	t.Logf("conformance, direct and through the gateway:\n%s", report.String())
}

func mark(row map[string]testenv.Scenario, route string) string {
	how, ran := row[route]
	switch {
	case !ran:
		return "-"
	case how.Passed:
		return "pass"
	}
	return "fail"
}

// directConformanceServer runs the conformance server on this machine,
// serving HTTP on a loopback port, for the rest of the test.
func directConformanceServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the server takes the port; nothing else here asks for one
	cmd := exec.Command(testenv.ServerBinary(t, "conformance"), "--http", addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testenv.WaitFor(t, "the conformance server to listen on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "http://" + addr + "/mcp"
}

// conformanceGateway starts `bulkhead gateway --http --names bare` for
// one server and returns a URL that reaches it with the gateway's token
// added, as the suite cannot send one; stop ends the gateway and waits
// for its containers to go.
func (e *env) conformanceGateway(t *testing.T, server string) (string, func()) {
	t.Helper()
	cmd := e.command("gateway", "--http", "127.0.0.1:0", "--names", "bare", "--server", server)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	gw := ""
	for gw == "" && lines.Scan() {
		if m := regexp.MustCompile(`gateway at (http://127\.0\.0\.1:\d+/mcp)`).FindStringSubmatch(lines.Text()); m != nil {
			gw = m[1]
		}
	}
	if gw == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the gateway never said where it listens")
	}
	logs := &lockedBuffer{}
	copied := make(chan struct{})
	go func() { io.Copy(logs, stderr); close(copied) }()
	token, err := os.ReadFile(filepath.Join(e.home, "gateway.token"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := tokenProxy(t, gw, strings.TrimSpace(string(token)))
	stop := func() {
		proxy.Close()
		cmd.Process.Signal(syscall.SIGTERM)
		<-copied
		if err := cmd.Wait(); err != nil {
			t.Errorf("gateway for %s after SIGTERM: %v; its stderr:\n%s", server, err, logs.String())
		}
		if t.Failed() {
			t.Logf("gateway for %s, stderr:\n%s", server, logs.String())
		}
	}
	return proxy.URL + "/mcp", stop
}

// tokenProxy passes every request to the gateway at gw with its bearer
// token, and with the Host a client of the gateway itself would send:
// the proxy's own address becomes the gateway's, any other Host (the
// suite tries foreign ones) is passed on as it came.
func tokenProxy(t *testing.T, gw, token string) *httptest.Server {
	t.Helper()
	target, err := url.Parse(gw)
	if err != nil {
		t.Fatal(err)
	}
	var self string
	srv := httptest.NewUnstartedServer(&httputil.ReverseProxy{
		FlushInterval: -1,                         // event streams go through as they come
		ErrorLog:      log.New(io.Discard, "", 0), // streams cut at the gateway's stop
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = target.Scheme, target.Host
			r.Out.Host = r.In.Host
			if r.In.Host == self {
				r.Out.Host = target.Host
			}
			r.Out.Header.Set("Authorization", "Bearer "+token)
		},
	})
	srv.Start()
	self = srv.Listener.Addr().String()
	t.Cleanup(srv.Close)
	return srv
}
