package catalog

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"go.yaml.in/yaml/v3"
)

// Network is the egress an entry is granted: nothing (the default) or an
// allow-list of host:port pairs. In a file it is `none` or a list.
type Network struct {
	Allow []HostPort
}

// None reports whether the entry has no network at all.
func (n Network) None() bool { return len(n.Allow) == 0 }

func (n *Network) UnmarshalYAML(node *yaml.Node) error {
	return atLine(node, n.decode(node))
}

func (n *Network) decode(node *yaml.Node) error {
	switch node.Kind {
	case yaml.ScalarNode:
		if node.Value != "none" {
			return fmt.Errorf("network must be `none` or a list of host:port, not %q", node.Value)
		}
		n.Allow = nil
		return nil
	case yaml.SequenceNode:
		var raw []string
		if err := node.Decode(&raw); err != nil {
			return fmt.Errorf("network must be `none` or a list of host:port: %w", err)
		}
		n.Allow = n.Allow[:0]
		for _, s := range raw {
			hp, err := ParseHostPort(s)
			if err != nil {
				return err
			}
			n.Allow = append(n.Allow, hp)
		}
		return nil
	}
	return fmt.Errorf("network must be `none` or a list of host:port")
}

func (n Network) MarshalYAML() (any, error) {
	if n.None() {
		return "none", nil
	}
	return n.grants(), nil
}

func (n Network) MarshalJSON() ([]byte, error) {
	v, _ := n.MarshalYAML()
	return json.Marshal(v)
}

func (n Network) String() string {
	if n.None() {
		return "none"
	}
	return strings.Join(n.grants(), ",")
}

func (n Network) grants() []string {
	s := make([]string, len(n.Allow))
	for i, hp := range n.Allow {
		s[i] = hp.String()
	}
	return s
}

// HostPort is one egress grant: a DNS name or IP address and a TCP port.
type HostPort struct {
	Host string
	Port int
}

// ParseHostPort reads "host:port"; wildcards and schemes are refused so a
// grant always names exactly one destination.
func ParseHostPort(s string) (HostPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return HostPort{}, fmt.Errorf("network grant %q must be host:port (for example api.github.com:443)", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return HostPort{}, fmt.Errorf("network grant %q has an invalid port", s)
	}
	if net.ParseIP(host) == nil && !validDNSName(host) {
		return HostPort{}, fmt.Errorf("network grant %q has an invalid host name", s)
	}
	return HostPort{Host: strings.ToLower(host), Port: p}, nil
}

func (hp HostPort) String() string { return net.JoinHostPort(hp.Host, strconv.Itoa(hp.Port)) }

// validDNSName accepts LDH labels of 1-63 characters, at most 253 in all.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// ByteSize is a size in bytes, written as a number or with a unit (512MiB, 1g).
type ByteSize int64

func (b *ByteSize) UnmarshalYAML(node *yaml.Node) error {
	return atLine(node, b.decode(node))
}

func (b *ByteSize) decode(node *yaml.Node) error {
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("size must be a number of bytes or a string such as 512MiB")
	}
	v, err := units.RAMInBytes(node.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("size %q is not valid: write it as 512MiB, 1GiB or a number of bytes", node.Value)
	}
	*b = ByteSize(v)
	return nil
}

func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

func (b ByteSize) String() string { return units.BytesSize(float64(b)) }

// atLine prefixes an error from a custom decoder with the node's line, in
// the form yaml.v3 uses, so Parse can report it as file:line.
func atLine(node *yaml.Node, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("line %d: %w", node.Line, err)
}
