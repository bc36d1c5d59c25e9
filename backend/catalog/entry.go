// Package catalog defines the servers Bulkhead can launch: the entry format,
// its parsing with file:line errors, validation, and the built-in catalog.
package catalog

import "fmt"

// FormatVersion is the catalog file format this build reads.
const FormatVersion = 1

// Defaults for an entry's permissions block. Each is a limit the sandbox
// enforces; an entry may ask for a different value within the allowed range.
const (
	DefaultCPU       = 1.0
	DefaultMemory    = ByteSize(512 << 20)
	DefaultPids      = 256
	DefaultTmpfs     = ByteSize(64 << 20)
	DefaultHTTPPath  = "/mcp"
	DefaultTransport = TransportStdio
)

// Transport is how the server speaks MCP inside its container.
type Transport string

const (
	TransportStdio Transport = "stdio"
	TransportHTTP  Transport = "http"
)

// Entry is one server the catalog offers.
type Entry struct {
	Name        string            `yaml:"name" json:"name"`
	Title       string            `yaml:"title" json:"title"`
	Publisher   string            `yaml:"publisher" json:"publisher"`
	Description string            `yaml:"description,omitempty" json:"description,omitempty"`
	Image       string            `yaml:"image" json:"image"`
	Transport   Transport         `yaml:"transport,omitempty" json:"transport"`
	HTTP        *HTTPEndpoint     `yaml:"http,omitempty" json:"http,omitempty"`
	Command     []string          `yaml:"command,omitempty" json:"command,omitempty"`
	Args        []string          `yaml:"args,omitempty" json:"args,omitempty"`
	Env         map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	Secrets     []string          `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	User        string            `yaml:"user,omitempty" json:"user,omitempty"`
	Permissions Permissions       `yaml:"permissions,omitempty" json:"permissions"`
	Results     ResultPolicy      `yaml:"results,omitempty" json:"results"`
	Signature   *Signature        `yaml:"signature,omitempty" json:"signature,omitempty"`

	// Source says where the entry was defined; it is not part of the file.
	Source Source `yaml:"-" json:"source"`
}

// ResultPolicy says what happens to a tool result, resource or prompt in
// which the scanner finds a secret or text addressed to the model.
type ResultPolicy string

const (
	ResultsRedact ResultPolicy = "redact" // replace what was found with a note; the default
	ResultsBlock  ResultPolicy = "block"  // refuse the whole result
	ResultsHold   ResultPolicy = "hold"   // keep it until a person releases or refuses it
)

// HTTPEndpoint locates a streamable-HTTP server inside its container.
type HTTPEndpoint struct {
	Port int    `yaml:"port" json:"port"`
	Path string `yaml:"path,omitempty" json:"path"`
}

// Permissions is everything an entry is granted beyond the locked-down default.
type Permissions struct {
	Network Network  `yaml:"network,omitempty" json:"network"`
	Mounts  []Mount  `yaml:"mounts,omitempty" json:"mounts,omitempty"`
	CPU     float64  `yaml:"cpu,omitempty" json:"cpu"`
	Memory  ByteSize `yaml:"memory,omitempty" json:"memory"`
	Pids    int64    `yaml:"pids,omitempty" json:"pids"`
	Tmpfs   ByteSize `yaml:"tmpfs,omitempty" json:"tmpfs"`
}

// Mount grants one host path inside the container, read-only unless Write.
type Mount struct {
	Host      string `yaml:"host" json:"host"`
	Container string `yaml:"container" json:"container"`
	Write     bool   `yaml:"write,omitempty" json:"write,omitempty"`
}

// Source records where an entry came from.
type Source struct {
	// Builtin is true for entries embedded in the binary: the verified set.
	Builtin bool   `json:"builtin"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

func (s Source) String() string {
	if s.Builtin {
		return "built-in"
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Catalog is the merged set of entries, built-in first.
type Catalog struct {
	Entries []Entry
}

// Lookup finds an entry by name.
func (c *Catalog) Lookup(name string) (Entry, bool) {
	for _, e := range c.Entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
