package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/egress"
	"github.com/bulkhead-dev/bulkhead/backend/scratch"
)

// UseHelper names the static Linux build of bulkhead that helper containers
// run (the relay to servers that speak HTTP). Its image is built from it
// locally, so nothing is pulled and it is exactly this build.
func (e *Engine) UseHelper(binary string) {
	e.helperMu.Lock()
	defer e.helperMu.Unlock()
	e.helperPath, e.helper = binary, Image{}
}

// CheckHelper says whether helper containers can be built, and from what.
func (e *Engine) CheckHelper() (string, error) {
	e.helperMu.Lock()
	defer e.helperMu.Unlock()
	_, err := e.readHelper()
	return e.helperPath, err
}

// readHelper reads and checks the helper binary; called with helperMu held.
func (e *Engine) readHelper() ([]byte, error) {
	if e.helperPath == "" {
		return nil, fmt.Errorf("no static Linux bulkhead binary to build the helper image from; build one with `make build` (on macOS or Windows, place bulkhead-linux-<arch> next to bulkhead)")
	}
	bin, err := os.ReadFile(e.helperPath)
	if err != nil {
		return nil, fmt.Errorf("read the helper binary: %w", err)
	}
	if err := checkStatic(bin); err != nil {
		return nil, fmt.Errorf("helper binary %s %v; build it with `make build` (CGO_ENABLED=0)", e.helperPath, err)
	}
	return bin, nil
}

// helperImage loads the helper image on first use.
func (e *Engine) helperImage(ctx context.Context) (Image, error) {
	e.helperMu.Lock()
	defer e.helperMu.Unlock()
	if e.helper.ID != "" {
		return e.helper, nil
	}
	bin, err := e.readHelper()
	if err != nil {
		return Image{}, err
	}
	sum := sha256.Sum256(bin)
	ref := "bulkhead-helper:" + hex.EncodeToString(sum[:])[:12]
	id, err := scratch.Load(ctx, e.cli, scratch.Image{
		Ref:        ref,
		Files:      []scratch.File{{Path: "bulkhead", Data: bin, Mode: 0o555}},
		Entrypoint: []string{"/bulkhead"},
		Labels:     map[string]string{LabelManaged: "true"},
	})
	if err != nil {
		return Image{}, fmt.Errorf("build the helper image: %s", oneLine(err))
	}
	e.helper = Image{Ref: ref, ID: id}
	return e.helper, nil
}

// checkStatic refuses what cannot run in an image with nothing else in it.
func checkStatic(bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("is not a Linux executable")
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("is dynamically linked")
		}
	}
	return nil
}

// relaySpec runs the relay for a server speaking HTTP: locked down like any
// server, with small limits, proxying its stdio to the server's port.
func relaySpec(server Spec, helper Image) Spec {
	return Spec{
		Server:     server.Server,
		Image:      helper,
		Entrypoint: []string{"/bulkhead", "relay", fmt.Sprintf("http://%s:%d", serverAlias, server.HTTP.Port)},
		Env:        map[string]string{"HOME": "/tmp"},
		User:       "65534:65534",
		CPU:        0.5,
		Memory:     64 << 20,
		Pids:       64,
		Tmpfs:      1 << 20,
		Transport:  catalog.TransportStdio,
	}
}

// egressSpec runs the egress proxy of a server granted network access:
// locked down like any server, listening on the server's internal network
// only and passing the grants on, with the Docker host's own addresses.
func egressSpec(server Spec, helper Image, subnet netip.Prefix, host []netip.Addr) Spec {
	args := []string{"/bulkhead", "egress-proxy"}
	for _, a := range host {
		args = append(args, "--host-address="+a.String())
	}
	args = append(args, subnet.String())
	for _, g := range server.Network.Allow {
		args = append(args, g.String())
	}
	return Spec{
		Server:     server.Server,
		Image:      helper,
		Entrypoint: args,
		Env:        map[string]string{"HOME": "/tmp"},
		User:       "65534:65534",
		CPU:        0.5,
		Memory:     64 << 20,
		Pids:       64,
		Tmpfs:      1 << 20,
		Transport:  catalog.TransportStdio,
	}
}

// proxySysctls let the egress proxy listen on a port below 1024 granted by
// name without a capability. A sysctl of the net namespace, it is the
// proxy's own: the server's namespace keeps the engine's setting.
var proxySysctls = map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}

// namesToProxy are /etc/hosts entries that resolve every name granted to a
// server to its egress proxy, which routes what comes by name (a client
// that ignores the proxy settings) to that name, on the port dialed.
func namesToProxy(grants []catalog.HostPort, proxy netip.Addr) []string {
	var hosts []string
	for _, g := range egress.Named(grants) {
		if h := g.Host + ":" + proxy.String(); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// proxyEnv points the usual proxy settings at the egress proxy, for the
// HTTP clients that honour them; the others find it by the granted names.
func proxyEnv(proxy netip.Addr) []string {
	url := "http://" + netip.AddrPortFrom(proxy, egress.Port).String()
	return []string{
		"HTTP_PROXY=" + url, "HTTPS_PROXY=" + url, "http_proxy=" + url, "https_proxy=" + url,
		"NO_PROXY=localhost,127.0.0.1,::1", "no_proxy=localhost,127.0.0.1,::1",
	}
}
