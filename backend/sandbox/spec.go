package sandbox

import (
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Labels Bulkhead puts on its containers. They carry names only, never
// values of env or secrets.
const (
	LabelManaged  = "dev.bulkhead.managed"
	LabelServer   = "dev.bulkhead.server"
	LabelHome     = "dev.bulkhead.home"
	LabelInstance = "dev.bulkhead.instance"
	LabelImage    = "dev.bulkhead.image"
	// LabelRole marks a helper container serving a server.
	LabelRole = "dev.bulkhead.role"
)

// Roles of helper containers.
const (
	roleRelay  = "relay"
	roleEgress = "proxy"
)

// Spec is everything a launch depends on: what a person approves and what
// is pinned. Secret values are its one part that is never marshaled (so
// never pinned, logged or labelled); their names are in the entry.
type Spec struct {
	Server     string            `json:"server"`
	Image      Image             `json:"image"`
	Entrypoint []string          `json:"entrypoint,omitempty"`
	Cmd        []string          `json:"cmd,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
	User       string            `json:"user"`
	Mounts     []Mount           `json:"mounts,omitempty"`
	Network    catalog.Network   `json:"network"`
	CPU        float64           `json:"cpu"`
	Memory     int64             `json:"memory"`
	Pids       int64             `json:"pids"`
	Tmpfs      int64             `json:"tmpfs"`
	Transport  catalog.Transport `json:"transport"`
	// HTTP is where a server speaking streamable HTTP listens in its container.
	HTTP *catalog.HTTPEndpoint `json:"http,omitempty"`
	// SecretNames are the secrets it is given, by name; Secrets holds their
	// values, filled in at launch and passed as environment.
	SecretNames []string          `json:"secrets,omitempty"`
	Secrets     map[string]string `json:"-"`
}

// NewSpec checks an entry's grants against this machine and fixes the image
// it runs. What this build cannot yet grant safely is refused, never widened.
func NewSpec(e catalog.Entry, img Image, h Host) (Spec, error) {
	s := Spec{
		Server:      e.Name,
		Image:       img,
		Entrypoint:  e.Command,
		Cmd:         e.Args,
		Env:         map[string]string{"HOME": "/tmp"}, // the only writable place
		User:        e.UID(),
		Network:     e.Permissions.Network,
		CPU:         e.Permissions.CPU,
		Memory:      int64(e.Permissions.Memory),
		Pids:        e.Permissions.Pids,
		Tmpfs:       int64(e.Permissions.Tmpfs),
		Transport:   e.Transport,
		HTTP:        e.HTTP,
		SecretNames: e.Secrets,
	}
	maps.Copy(s.Env, e.Env)
	for _, m := range e.Permissions.Mounts {
		rm, err := resolveMount(m, h)
		if err != nil {
			return Spec{}, fmt.Errorf("server %q: %w", e.Name, err)
		}
		s.Mounts = append(s.Mounts, rm)
	}
	return s, nil
}

// placement is how a container connects, beyond its spec.
type placement struct {
	// network is the private network it joins, under alias; with none it
	// has no network at all.
	network, alias string
	// stdin carries traffic: MCP for a stdio server, the relay's stream
	// for a relay.
	stdin bool
	// outside is a second network joined before start: the egress proxy's.
	outside string
	// hosts are /etc/hosts entries, "name:address".
	hosts []string
	// sysctls are set in its own network namespace: the egress proxy's.
	sysctls map[string]string
	// env is added to the spec's: the proxy settings, which are not pinned
	// (the proxy's address changes from launch to launch).
	env []string
	// events receives stdout when it is not traffic: the proxy's events.
	// It is closed when the container's output ends.
	events io.WriteCloser
}

// containerConfig turns a spec into the engine's create request. Every
// protection here is unconditional; only the limits and mounts come from
// the spec.
func containerConfig(s Spec, labels map[string]string, p placement) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	env := make([]string, 0, len(s.Env)+len(p.env))
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		env = append(env, k+"="+s.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(s.Secrets)) {
		env = append(env, k+"="+s.Secrets[k])
	}
	env = append(env, p.env...)
	uid, gid := runAs(s.User)
	cfg := &container.Config{
		// The image ID, not the tag: the image that runs is the one checked.
		Image:      s.Image.ID,
		Entrypoint: s.Entrypoint,
		Cmd:        s.Cmd,
		Env:        env,
		User:       uid + ":" + gid,
		Labels:     labels,
		// Stdin, when it carries traffic, stays open until Bulkhead closes it.
		AttachStdin:     p.stdin,
		AttachStdout:    true,
		AttachStderr:    true,
		OpenStdin:       p.stdin,
		StdinOnce:       p.stdin,
		NetworkDisabled: p.network == "",
	}
	yes := true
	pids := s.Pids
	host := &container.HostConfig{
		NetworkMode:    "none",
		ReadonlyRootfs: true,
		Tmpfs:          scratchSpace(s, uid, gid),
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges:true", "seccomp=" + seccompProfile()},
		Privileged:     false,
		Init:           &yes,
		// PidMode, UTSMode and UsernsMode stay empty: own namespaces, none
		// shared with the host.
		IpcMode:      container.IPCModePrivate,
		CgroupnsMode: container.CgroupnsModePrivate,
		// Server output is MCP traffic; it is not kept by the engine.
		LogConfig:     container.LogConfig{Type: "none"},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		// Under memory pressure the kernel kills a sandbox before the host's own work.
		OomScoreAdj: 500,
		Resources: container.Resources{
			Memory:     s.Memory,
			MemorySwap: s.Memory, // no swap beyond the limit
			NanoCPUs:   int64(s.CPU * 1e9),
			PidsLimit:  &pids,
		},
		ExtraHosts: p.hosts,
		Sysctls:    p.sysctls,
	}
	var nets *network.NetworkingConfig
	if p.network != "" {
		host.NetworkMode = container.NetworkMode(p.network)
		nets = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			p.network: {Aliases: []string{p.alias}},
		}}
	}
	for _, m := range s.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{
			Type:        mount.TypeBind,
			Source:      m.Host,
			Target:      m.Container,
			ReadOnly:    !m.Write,
			BindOptions: &mount.BindOptions{Propagation: mount.PropagationRPrivate},
		})
	}
	return cfg, host, nets
}

// runAs is the user and group a container runs as. The group is always
// stated: given a uid alone, the engine would take the group (root's when
// the image has no passwd entry) and supplementary groups from the image's
// own /etc/passwd and /etc/group. Validation keeps both non-zero.
func runAs(user string) (uid, gid string) {
	uid, gid, ok := strings.Cut(user, ":")
	if !ok {
		gid = uid
	}
	return uid, gid
}

// scratchSpace is the sandbox's writable places: /tmp, and an empty
// temporary directory over every volume the image declares, which the
// engine would otherwise make a writable, executable volume on the host's
// disk. Each is owned by the server's user, as the engine keeps the mode of
// a directory the image has there (often root's 0755), and is size-limited
// and noexec. A volume a grant mounts over is the grant's.
func scratchSpace(s Spec, uid, gid string) map[string]string {
	opts := fmt.Sprintf("rw,noexec,nosuid,nodev,mode=1777,uid=%s,gid=%s,size=%d", uid, gid, s.Tmpfs)
	space := map[string]string{"/tmp": opts}
	for _, v := range s.Image.Volumes {
		if slices.ContainsFunc(s.Mounts, func(m Mount) bool { return path.Clean(m.Container) == v }) {
			continue
		}
		space[v] = opts
	}
	return space
}
