package catalog

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/distribution/reference"
)

// Limits on what an entry may ask for.
const (
	maxCPU    = 64.0
	minMemory = ByteSize(16 << 20)
	maxMemory = ByteSize(64 << 30)
	minPids   = 8
	maxPids   = 32768
	minTmpfs  = ByteSize(1 << 20)
	maxTmpfs  = ByteSize(4 << 30)
)

var (
	// Server names become container names and tool-name prefixes, so they
	// are kept to lower-case letters, digits and single hyphens.
	nameRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// Only numeric users: a name is looked up in the image's own /etc/passwd,
	// which a hostile image could make map to uid 0.
	userRE = regexp.MustCompile(`^([0-9]+)(:([0-9]+))?$`)
	// Proxy settings belong to Bulkhead's egress proxy, never to an entry.
	reservedEnv = map[string]bool{"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true, "ALL_PROXY": true}
	// Container paths the runtime owns.
	reservedTargets = []string{"/proc", "/sys", "/dev", "/tmp"}
)

// fieldError is a validation problem with the field it concerns, so that
// Parse can point at that field's line.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.msg }

func bad(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// ValidName reports whether name is a well-formed server name. Names reach
// file paths (logs) and labels, so anything else is refused before use.
func ValidName(name string) bool {
	return nameRE.MatchString(name) && !strings.Contains(name, "--")
}

// normalize validates the entry and fills in defaults, so that everything
// downstream sees a complete entry.
func (e *Entry) normalize() error {
	if !ValidName(e.Name) {
		return bad("name", "name %q must be 1-48 lower-case letters, digits or single hyphens, starting and ending with a letter or digit", e.Name)
	}
	if e.Title == "" {
		e.Title = e.Name
	}
	if err := e.normalizeImage(); err != nil {
		return err
	}
	if err := e.normalizeTransport(); err != nil {
		return err
	}
	for _, s := range append(append([]string{}, e.Command...), e.Args...) {
		if strings.ContainsRune(s, 0) {
			return bad("command", "command and args must not contain NUL characters")
		}
	}
	if err := e.validateEnv(); err != nil {
		return err
	}
	if e.User != "" {
		if err := validateUser(e.User); err != nil {
			return err
		}
	}
	switch e.Results {
	case "":
		e.Results = ResultsRedact
	case ResultsRedact, ResultsBlock, ResultsHold:
	default:
		return bad("results", "results %q is not a policy: use redact, block or hold", e.Results)
	}
	if e.Signature != nil {
		if err := e.Signature.validate(); err != nil {
			return err
		}
	}
	return e.Permissions.normalize()
}

func (e *Entry) normalizeImage() error {
	if e.Image == "" {
		return bad("image", "image is required (for example mcp/time:latest or name@sha256:...)")
	}
	named, err := reference.ParseNormalizedNamed(e.Image)
	if err != nil {
		return bad("image", "image %q is not a valid image reference: %v", e.Image, err)
	}
	// Spell every reference the same way so pins compare exactly.
	e.Image = reference.FamiliarString(reference.TagNameOnly(named))
	return nil
}

func (e *Entry) normalizeTransport() error {
	switch e.Transport {
	case "":
		e.Transport = DefaultTransport
		fallthrough
	case TransportStdio:
		if e.HTTP != nil {
			return bad("http", "http settings need `transport: http`")
		}
	case TransportHTTP:
		if e.HTTP == nil || e.HTTP.Port < 1 || e.HTTP.Port > 65535 {
			return bad("http", "transport http needs `http: {port: N}` with the port the server listens on inside its container")
		}
		if e.HTTP.Path == "" {
			e.HTTP.Path = DefaultHTTPPath
		}
		if !strings.HasPrefix(e.HTTP.Path, "/") {
			return bad("http.path", "http path %q must start with /", e.HTTP.Path)
		}
	default:
		return bad("transport", "transport %q is not supported: use stdio or http", e.Transport)
	}
	return nil
}

func (e *Entry) validateEnv() error {
	secret := map[string]bool{}
	for _, s := range e.Secrets {
		if !envNameRE.MatchString(s) {
			return bad("secrets", "secret name %q must be a valid environment variable name", s)
		}
		if reservedEnv[strings.ToUpper(s)] {
			return bad("secrets", "secret %s is set by Bulkhead's egress proxy; grant hosts under permissions.network instead", s)
		}
		if secret[s] {
			return bad("secrets", "secret %q is listed twice", s)
		}
		secret[s] = true
	}
	for k, v := range e.Env {
		switch {
		case !envNameRE.MatchString(k):
			return bad("env", "env name %q must be a valid environment variable name", k)
		case reservedEnv[strings.ToUpper(k)]:
			return bad("env", "env %s is set by Bulkhead's egress proxy; grant hosts under permissions.network instead", k)
		case secret[k]:
			return bad("env", "env %s is also a secret: secrets get their values from `bulkhead secret set`, not the catalog", k)
		case strings.ContainsRune(v, 0):
			return bad("env", "env %s must not contain NUL characters", k)
		}
	}
	return nil
}

func (p *Permissions) normalize() error {
	if p.CPU == 0 {
		p.CPU = DefaultCPU
	}
	if p.CPU < 0.01 || p.CPU > maxCPU {
		return bad("permissions.cpu", "cpu %v must be between 0.01 and %v", p.CPU, maxCPU)
	}
	if p.Memory == 0 {
		p.Memory = DefaultMemory
	}
	if p.Memory < minMemory || p.Memory > maxMemory {
		return bad("permissions.memory", "memory %s must be between %s and %s", p.Memory, minMemory, maxMemory)
	}
	if p.Pids == 0 {
		p.Pids = DefaultPids
	}
	if p.Pids < minPids || p.Pids > maxPids {
		return bad("permissions.pids", "pids %d must be between %d and %d", p.Pids, minPids, maxPids)
	}
	if p.Tmpfs == 0 {
		p.Tmpfs = DefaultTmpfs
	}
	if p.Tmpfs < minTmpfs || p.Tmpfs > maxTmpfs {
		return bad("permissions.tmpfs", "tmpfs %s must be between %s and %s", p.Tmpfs, minTmpfs, maxTmpfs)
	}
	targets := map[string]bool{}
	for i := range p.Mounts {
		m := &p.Mounts[i]
		if err := m.validate(); err != nil {
			return err
		}
		if targets[m.Container] {
			return bad("permissions.mounts", "two mounts share the container path %s", m.Container)
		}
		targets[m.Container] = true
	}
	return nil
}

// validate checks the form of a mount. Whether the host path may be shared
// depends on the machine (symlinks, home directory), so the sandbox decides
// that at launch.
func (m *Mount) validate() error {
	if m.Host == "" || !(strings.HasPrefix(m.Host, "/") || m.Host == "~" || strings.HasPrefix(m.Host, "~/")) {
		return bad("permissions.mounts", "mount host path %q must be absolute or start with ~/", m.Host)
	}
	if !path.IsAbs(m.Container) {
		return bad("permissions.mounts", "mount container path %q must be absolute", m.Container)
	}
	m.Container = path.Clean(m.Container)
	if m.Container == "/" {
		return bad("permissions.mounts", "a mount cannot replace the container's root")
	}
	for _, r := range reservedTargets {
		if m.Container == r || strings.HasPrefix(m.Container, r+"/") {
			return bad("permissions.mounts", "container path %s is reserved by the sandbox (%s)", m.Container, r)
		}
	}
	return nil
}

func validateUser(u string) error {
	m := userRE.FindStringSubmatch(u)
	if m == nil {
		return bad("user", "user %q must be a numeric uid or uid:gid (names resolve inside the image and cannot be trusted)", u)
	}
	for _, id := range []string{m[1], m[3]} {
		if id == "" {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 31)
		if err != nil {
			return bad("user", "user %q has an id out of range", u)
		}
		if n == 0 {
			return bad("user", "user %q is root: servers never run as root", u)
		}
	}
	return nil
}

// UID returns the numeric user the entry runs as.
func (e Entry) UID() string {
	if e.User == "" {
		return strconv.Itoa(NobodyUID) + ":" + strconv.Itoa(NobodyUID)
	}
	return e.User
}

// NobodyUID is the default user servers run as.
const NobodyUID = 65534
