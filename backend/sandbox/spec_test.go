package sandbox

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// entry parses one catalog entry named s with image a/b:1 plus extra YAML.
func entry(t *testing.T, extra string) catalog.Entry {
	return entryFor(t, "s", "a/b:1", extra)
}

func entryFor(t *testing.T, name, image, extra string) catalog.Entry {
	t.Helper()
	doc := "version: 1\nservers:\n  - name: " + name + "\n    image: " + image + "\n" + extra
	es, err := catalog.Parse([]byte(doc), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

func TestSecretValuesReachOnlyTheEnvironment(t *testing.T) {
	spec, err := NewSpec(entry(t, "    secrets: [TOKEN]\n"), Image{ID: "sha256:x"}, Host{UserHome: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	spec.Secrets = map[string]string{"TOKEN": "s3cr3t-value"}
	pinned, _ := json.Marshal(spec)
	if strings.Contains(string(pinned), "s3cr3t") || !strings.Contains(string(pinned), `"secrets":["TOKEN"]`) {
		t.Errorf("marshaled spec = %s, want the name and not the value", pinned)
	}
	cfg, _, _ := containerConfig(spec, map[string]string{}, placement{})
	if !slices.Contains(cfg.Env, "TOKEN=s3cr3t-value") {
		t.Errorf("env = %v, want the secret", cfg.Env)
	}
	if strings.Contains(strings.Join(append(append(cfg.Cmd, cfg.Entrypoint...), slices.Collect(maps.Values(cfg.Labels))...), " "), "s3cr3t") {
		t.Errorf("the value reached argv or labels: %+v", cfg)
	}
}

func TestContainerConfigIsLockedDown(t *testing.T) {
	e := entry(t, "    env: {B: two, A: one}\n    args: [--x]\n    permissions:\n      memory: 64MiB\n      pids: 32\n      cpu: 0.5\n")
	spec, err := NewSpec(e, Image{Ref: "a/b:1", ID: "sha256:abc"}, Host{UserHome: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg, host, nets := containerConfig(spec, map[string]string{"k": "v"}, placement{stdin: true})
	if cfg.Image != "sha256:abc" {
		t.Errorf("image = %q, want the resolved ID", cfg.Image)
	}
	if !slices.Equal(cfg.Env, []string{"A=one", "B=two", "HOME=/tmp"}) {
		t.Errorf("env = %v, want sorted with HOME=/tmp", cfg.Env)
	}
	if cfg.User != "65534:65534" || !cfg.OpenStdin || !cfg.StdinOnce || cfg.Tty || !cfg.NetworkDisabled {
		t.Errorf("config = %+v", cfg)
	}
	if nets != nil || host.NetworkMode != "none" || !host.ReadonlyRootfs || host.Privileged || host.Init == nil || !*host.Init {
		t.Errorf("host config = %+v", host)
	}
	if !slices.Equal(host.CapDrop, []string{"ALL"}) || len(host.CapAdd) != 0 {
		t.Errorf("caps: drop %v add %v", host.CapDrop, host.CapAdd)
	}
	if !slices.Contains(host.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("security opts = %v", host.SecurityOpt)
	}
	if host.Memory != 64<<20 || host.MemorySwap != 64<<20 || *host.PidsLimit != 32 || host.NanoCPUs != 5e8 {
		t.Errorf("limits: mem %d swap %d pids %d cpu %d", host.Memory, host.MemorySwap, *host.PidsLimit, host.NanoCPUs)
	}
	tmp := host.Tmpfs["/tmp"]
	for _, opt := range []string{"noexec", "nosuid", "nodev", "size=67108864"} {
		if !strings.Contains(tmp, opt) {
			t.Errorf("tmpfs %q lacks %s", tmp, opt)
		}
	}
	if host.LogConfig.Type != "none" {
		t.Errorf("log driver = %q, want none", host.LogConfig.Type)
	}
}

func TestEngineWarningsRefuseTheLaunch(t *testing.T) {
	if err := refuseWeakened(nil); err != nil {
		t.Errorf("no warnings: %v", err)
	}
	err := refuseWeakened([]string{"Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded."})
	if err == nil || !strings.Contains(err.Error(), "PIDs limit discarded") || !strings.Contains(err.Error(), "does not run a weaker one") {
		t.Errorf("warning: %v", err)
	}
}

// TestSeccompProfileRefusesUnixSockets reads the profile every sandbox
// gets: Docker's default, with no rule that lets socket(2) make a unix
// socket, no socketcall(2), and socket pairs of stream or seqpacket type only.
func TestSeccompProfileRefusesUnixSockets(t *testing.T) {
	var p struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names  []string `json:"names"`
			Action string   `json:"action"`
			Args   []struct {
				Index    uint   `json:"index"`
				Value    uint64 `json:"value"`
				ValueTwo uint64 `json:"valueTwo"`
				Op       string `json:"op"`
			} `json:"args"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal([]byte(seccompProfile()), &p); err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != "SCMP_ACT_ERRNO" {
		t.Fatalf("default action %s: the profile must refuse what it does not list", p.DefaultAction)
	}
	sockets, pairs := 0, 0
	for _, s := range p.Syscalls {
		if s.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		for _, n := range s.Names {
			switch n {
			case "socketcall":
				t.Errorf("socketcall is allowed: its arguments are out of seccomp's sight")
			case "socket":
				sockets++
				if len(s.Args) != 1 || s.Args[0].Index != 0 || s.Args[0].Op != "SCMP_CMP_EQ" || s.Args[0].Value == 1 {
					t.Errorf("socket allowed by %+v: want one family at a time, never AF_UNIX", s.Args)
				}
			case "socketpair":
				pairs++
				if len(s.Args) != 1 || s.Args[0].Op != "SCMP_CMP_MASKED_EQ" || s.Args[0].Value != 0xf || (s.Args[0].ValueTwo != 1 && s.Args[0].ValueTwo != 5) {
					t.Errorf("socketpair allowed by %+v: want stream or seqpacket only", s.Args)
				}
			}
		}
	}
	if sockets < 2 || pairs != 2 {
		t.Errorf("%d socket rules and %d socketpair rules: the network families or socket pairs are gone", sockets, pairs)
	}
}
