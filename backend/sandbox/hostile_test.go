package sandbox

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

type attempt struct {
	Worked bool   `json:"worked"`
	Detail string `json:"detail"`
}

const hostilePids = 64

// bridgeListener listens on the bridge gateway and hangs up on whoever
// connects.
func bridgeListener(t *testing.T, cli *client.Client) string {
	t.Helper()
	gw := testenv.BridgeGateway(t, cli)
	l, err := net.Listen("tcp", net.JoinHostPort(gw.String(), "0"))
	if err != nil {
		t.Fatalf("listen on the bridge gateway %s: %v", gw, err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// TestHostileServerCannotEscape runs a server that tries every way out and
// checks each attempt failed, for the reason the sandbox gives.
func TestHostileServerCannotEscape(t *testing.T) {
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile", testenv.SetuidRootCopy("/suid"))
	target := bridgeListener(t, e.Client())

	// Positive controls: outside the sandbox the same probes succeed, so
	// their failure inside is the sandbox's doing.
	t.Run("control: the network probe reaches the target from a plain container", func(t *testing.T) {
		out := runRaw(t, e.Client(), &container.Config{Image: img, Cmd: []string{"probe-net", target}}, &container.HostConfig{NetworkMode: "bridge"})
		var a attempt
		if err := json.Unmarshal([]byte(out), &a); err != nil || !a.Worked {
			t.Fatalf("probe from a networked container: %q", out)
		}
	})
	t.Run("control: the setuid copy gives root without no-new-privileges", func(t *testing.T) {
		out := runRaw(t, e.Client(), &container.Config{Image: img, User: "65534", Entrypoint: []string{"/suid", "euid"}}, &container.HostConfig{NetworkMode: "none"})
		if strings.TrimSpace(out) != "0" {
			t.Fatalf("euid through the setuid copy = %q, want 0", out)
		}
	})

	sb := launchEntry(t, e, "hostile", img, "    permissions:\n      memory: 64MiB\n      pids: "+strconv.Itoa(hostilePids)+"\n")
	cs := session(t, sb)
	defer cs.Close()
	var rep struct {
		Attempts map[string]attempt `json:"attempts"`
	}
	callStructured(t, cs, "escape", map[string]any{
		"target": target, "name": "example.com", "hogMiB": 256, "forkMax": 1000,
	}, &rep)
	for name, a := range rep.Attempts {
		t.Logf("%-15s worked=%-5v %s", name, a.Worked, a.Detail)
	}

	blocked := []struct{ name, why string }{
		{"identity", "uid=65534 gid=65534 euid=65534"},
		{"groups", `^gid=65534 groups=\[65534\]$`},
		{"write_root", "read-only file system"},
		{"exec_tmp", "permission denied"}, // /tmp is noexec
		{"chown_root", "operation not permitted"},
		{"net_ip", "network is unreachable"},
		// No resolver is reachable: either none is configured (the resolver
		// falls back to loopback, refused) or the network is unreachable.
		// "no such host" would mean some resolver answered.
		{"net_dns", `connect: network is unreachable|\[::1\]:53.*connection refused|127\.0\.0\.1:53.*connection refused`},
		// Not there, or no unix socket may be made at all (seccomp).
		{"docker_sock", "/var/run/docker.sock: (connect: no such file or directory|socket: operation not permitted).*/run/docker.sock: (connect: no such file or directory|socket: operation not permitted)"},
		{"raw_socket", "operation not permitted"},
		{"mount", "operation not permitted"},
		{"setuid_syscall", "operation not permitted"},
		{"setuid_binary", "euid=65534"},
		{"capabilities", "CapEff:0000000000000000"},
		{"host_processes", "^1:/sbin/docker-init"},
		{"memory", "signal: killed"},
		{"fork_bomb", "resource temporarily unavailable|failed to create new OS thread"},
	}
	for _, b := range blocked {
		t.Run(b.name, func(t *testing.T) {
			a, ok := rep.Attempts[b.name]
			if !ok {
				t.Fatal("attempt not reported")
			}
			if a.Worked {
				t.Fatalf("ESCAPED: %s", a.Detail)
			}
			if !regexp.MustCompile(b.why).MatchString(a.Detail) {
				t.Errorf("failed, but not for the expected reason %q: %s", b.why, a.Detail)
			}
		})
	}
	t.Run("fork_bomb stays under the pids limit", func(t *testing.T) {
		m := regexp.MustCompile(`started (\d+) of`).FindStringSubmatch(rep.Attempts["fork_bomb"].Detail)
		if m == nil {
			return // the bomb died making a thread: limited even earlier
		}
		if n, _ := strconv.Atoi(m[1]); n >= hostilePids {
			t.Errorf("the bomb started %d processes with a limit of %d", n, hostilePids)
		}
	})
	t.Run("capabilities are empty in every set", func(t *testing.T) {
		for _, set := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb"} {
			if !strings.Contains(rep.Attempts["capabilities"].Detail, set+":0000000000000000") {
				t.Errorf("%s not empty: %s", set, rep.Attempts["capabilities"].Detail)
			}
		}
	})
	t.Run("controls work inside, so the probes run", func(t *testing.T) {
		for _, name := range []string{"write_tmp", "net_loopback"} {
			if a := rep.Attempts[name]; !a.Worked {
				t.Errorf("%s failed inside the sandbox: %s", name, a.Detail)
			}
		}
	})
	t.Run("the server survives its own attacks", func(t *testing.T) {
		if err := cs.Ping(context.Background(), nil); err != nil {
			t.Fatalf("server gone after the attempts: %v", err)
		}
	})
}
