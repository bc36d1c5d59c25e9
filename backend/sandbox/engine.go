// Package sandbox runs MCP servers in locked-down containers on the Docker
// Engine API: hardened container specs, images and digests, stdio attach,
// lifecycle, and reaping what an earlier run left behind.
package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/egress"
)

// Engine is a connection to the Docker Engine on behalf of one Bulkhead home.
type Engine struct {
	cli *client.Client
	// home is Bulkhead's state directory; containers are labelled with a
	// hash of it so two installs on one engine never touch each other's.
	home   string
	homeID string
	host   Host
	// sources, when set, lists where images may come from.
	sources ImageSources
	// onEgress records egress proxy events (OnEgress).
	onEgress func(server string, ev egress.Event)
	// proxyHosts are /etc/hosts entries ("name:address") for egress
	// proxies. Only tests set them, to give a destination on this machine a
	// name the proxy resolves; the proxy checks it like any other.
	proxyHosts []string

	mu           sync.Mutex
	instance     *instance      // taken on first launch
	shuttingDown bool           // Shutdown began: nothing more is created
	creating     sync.WaitGroup // containers and networks being created, which Shutdown waits for

	closeOnce sync.Once
	closed    chan struct{} // ends retries of removals (removeEventually)

	helperMu   sync.Mutex
	helperPath string // static Linux bulkhead binary for helper containers
	helper     Image  // its image, once loaded
}

// UnreachableError says the engine did not answer.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	cause := e.Err
	// The client's own words repeat the address; the dial error says it once.
	var dial *net.OpError
	if errors.As(cause, &dial) {
		cause = dial
	}
	return fmt.Sprintf("cannot reach the Docker Engine at %s: %v; start Docker or set DOCKER_HOST, then run `bulkhead doctor`",
		e.Host, oneLine(cause))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Connect opens a client from the standard DOCKER_* environment and checks
// that the engine answers; the client negotiates the API version (down to
// 1.40, Docker 19.03) on that first ping.
func Connect(ctx context.Context, home string) (*Engine, error) {
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	if err := ping(ctx, cli, true); err != nil {
		cli.Close()
		return nil, err
	}
	userHome, err := os.UserHomeDir()
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("find the home directory: %w", err)
	}
	e := &Engine{
		cli:    cli,
		home:   home,
		homeID: HomeID(home),
		host:   Host{UserHome: userHome, StateDir: home},
		closed: make(chan struct{}),
	}
	if u, err := url.Parse(cli.DaemonHost()); err == nil && u.Scheme == "unix" {
		e.host.EngineSocket = u.Path
	}
	return e, nil
}

// Ping says whether the engine answers now, as an *UnreachableError if not.
func (e *Engine) Ping(ctx context.Context) error { return ping(ctx, e.cli, false) }

func ping(ctx context.Context, cli *client.Client, negotiate bool) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: negotiate}); err != nil {
		return &UnreachableError{Host: cli.DaemonHost(), Err: err}
	}
	return nil
}

// HomeID is the label value that marks the containers of a Bulkhead home.
func HomeID(home string) string {
	sum := sha256.Sum256([]byte(home))
	return hex.EncodeToString(sum[:6])
}

// Client exposes the engine client for checks that need the raw API.
func (e *Engine) Client() *client.Client { return e.cli }

// Host describes the machine mounts are checked against.
func (e *Engine) Host() Host { return e.host }

// ShareWrites tells the engine what every entry of the catalog may write,
// so that no grant inside another's writable directory is mounted. Call it
// before launching.
func (e *Engine) ShareWrites(entries []catalog.Entry) { e.host.Writable = WriteGrants(entries, e.host) }

// Close releases the client and this process's instance lock.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { close(e.closed) })
	e.mu.Lock()
	if e.instance != nil {
		e.instance.release()
		e.instance = nil
	}
	e.mu.Unlock()
	return e.cli.Close()
}

// ensureInstance takes this process's instance lock, which tells a later
// reaper that the containers labelled with it still have an owner.
func (e *Engine) ensureInstance() (*instance, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.instance == nil {
		in, err := newInstance(e.home)
		if err != nil {
			return nil, err
		}
		e.instance = in
	}
	return e.instance, nil
}

// oneLine keeps an engine message to one line for the user.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	var out []rune
	for _, r := range err.Error() {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// InstanceID names this process among the Bulkhead processes of its home;
// it holds its instance lock from now until Close.
func (e *Engine) InstanceID() (string, error) {
	in, err := e.ensureInstance()
	if err != nil {
		return "", err
	}
	return in.id, nil
}

// InstanceAlive reports whether the process holding instance id still runs.
func (e *Engine) InstanceAlive(id string) bool { return ownerAlive(e.home, id) }
