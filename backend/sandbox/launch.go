package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// How long a server gets to exit after its stdin closes, and then after
// SIGTERM, before it is killed; killTime is what killing and removing it
// takes, kept back from a deadline (see graces).
const (
	stdinGrace = 2 * time.Second
	termGrace  = 3 * time.Second
	killTime   = time.Second
)

// Sandbox is one running server container with its stdio attached. A
// server that speaks HTTP also has a relay container on a private network
// between them, and its traffic flows over the relay's stdio instead; a
// server granted egress has an egress proxy on that network.
type Sandbox struct {
	ID   string
	Name string
	Spec Spec

	engine   *Engine
	log      *ServerLog
	attach   client.HijackedResponse
	stdout   *io.PipeReader
	stopping atomic.Bool
	gone     chan struct{} // this container has exited and been removed
	exit     Exit

	role    string   // a helper's LabelRole; "" for the server
	relay   *Sandbox // servers speaking HTTP: carries their traffic
	proxy   *Sandbox // servers granted egress: their only way out
	network string   // the internal network of a server with helpers
	done    chan struct{}
}

// Exit is how a sandbox ended.
type Exit struct {
	Code      int
	OOMKilled bool
	Stopped   bool   // it ended while Bulkhead was stopping it
	Helper    string // the role of the helper that ended first (relay, proxy), not the server
	Err       error  // the engine could not say
}

// Launch creates, attaches and starts a container for spec. On any failure
// nothing is left behind.
func (e *Engine) Launch(ctx context.Context, spec Spec) (*Sandbox, error) {
	in, err := e.ensureInstance()
	if err != nil {
		return nil, err
	}
	log, err := OpenServerLog(e.home, spec.Server)
	if err != nil {
		return nil, fmt.Errorf("open log for %s: %w", spec.Server, err)
	}
	labels := e.labels(spec, in)
	var s *Sandbox
	if spec.Transport == catalog.TransportHTTP || !spec.Network.None() {
		s, err = e.launchNetworked(ctx, spec, labels, log)
	} else {
		s, err = e.launch(ctx, spec, labels, placement{stdin: true}, log)
		if err == nil {
			go func() {
				<-s.gone
				log.Close()
				close(s.done)
			}()
		}
	}
	if err != nil {
		log.Close()
		return nil, err
	}
	return s, nil
}

func (e *Engine) labels(spec Spec, in *instance) map[string]string {
	return map[string]string{
		LabelManaged:  "true",
		LabelServer:   spec.Server,
		LabelHome:     e.homeID,
		LabelInstance: in.id,
		LabelImage:    spec.Image.Ref,
	}
}

// createTimeout bounds creating a container, which goes on when the
// caller's context ends.
const createTimeout = time.Minute

// launch starts one container; its output goes to log, which the caller owns.
func (e *Engine) launch(ctx context.Context, spec Spec, labels map[string]string, p placement, log *ServerLog) (*Sandbox, error) {
	cfg, hostCfg, nets := containerConfig(spec, labels, p)
	name := "bulkhead-" + spec.Server + "-" + randomHex(3)
	if labels[LabelRole] != "" {
		name = "bulkhead-" + spec.Server + "-" + labels[LabelRole] + "-" + randomHex(3)
	}
	// Created whatever becomes of ctx: an engine that finishes creating after
	// the caller gave up would leave a container nobody knows the ID of.
	if err := e.beginCreate(); err != nil {
		return nil, err
	}
	createCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	created, err := e.cli.ContainerCreate(createCtx, client.ContainerCreateOptions{Config: cfg, HostConfig: hostCfg, NetworkingConfig: nets, Name: name})
	cancel()
	e.creating.Done()
	if err != nil {
		return nil, fmt.Errorf("create sandbox for %s: %s", spec.Server, oneLine(err))
	}
	s := &Sandbox{ID: created.ID, Name: name, Spec: spec, role: labels[LabelRole], engine: e, log: log, gone: make(chan struct{}), done: make(chan struct{})}
	err = ctx.Err()
	if err == nil {
		err = refuseWeakened(created.Warnings)
	}
	if err == nil && p.outside != "" {
		_, err = e.cli.NetworkConnect(ctx, p.outside, client.NetworkConnectOptions{Container: s.ID})
	}
	if err == nil {
		err = s.start(ctx, p)
	}
	if err != nil {
		e.remove(context.WithoutCancel(ctx), s.ID)
		return nil, fmt.Errorf("start sandbox for %s: %s", spec.Server, oneLine(err))
	}
	return s, nil
}

func (s *Sandbox) start(ctx context.Context, p placement) error {
	stdin := p.stdin
	cli := s.engine.cli
	// The attach connection outlives this call's context.
	attach, err := cli.ContainerAttach(context.WithoutCancel(ctx), s.ID, client.ContainerAttachOptions{
		Stream: true, Stdin: stdin, Stdout: true, Stderr: true,
	})
	if err != nil {
		return err
	}
	s.attach = attach.HijackedResponse
	// Registered before start so a server that dies at once is still seen.
	wait := cli.ContainerWait(context.Background(), s.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, s.ID, client.ContainerStartOptions{}); err != nil {
		s.attach.Close()
		return err
	}
	// Stdout is traffic when stdin is; otherwise it is more of the log.
	var out io.Writer = s.log
	pr, pw := io.Pipe()
	s.stdout = pr
	switch {
	case stdin:
		out = pw
	case p.events != nil:
		out = p.events
		pw.Close()
	default:
		pw.Close()
	}
	copied := make(chan struct{})
	go func() {
		_, err := stdcopy.StdCopy(out, s.log, s.attach.Reader)
		pw.CloseWithError(err)
		if p.events != nil {
			p.events.Close()
		}
		close(copied)
	}()
	go s.monitor(wait, copied)
	return nil
}

// monitor records how the container ended, then removes it.
func (s *Sandbox) monitor(wait client.ContainerWaitResult, copied <-chan struct{}) {
	var exit Exit
	select {
	case r := <-wait.Result:
		exit.Stopped = s.stopping.Load()
		exit.Code = int(r.StatusCode)
		if r.Error != nil && r.Error.Message != "" {
			exit.Err = errors.New(r.Error.Message)
		}
	case err := <-wait.Error:
		exit.Stopped = s.stopping.Load()
		exit.Err = err
	}
	// Let the last output (often the reason for a crash) reach the log.
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if info, err := s.engine.cli.ContainerInspect(ctx, s.ID, client.ContainerInspectOptions{}); err == nil && info.Container.State != nil {
		exit.OOMKilled = info.Container.State.OOMKilled
	}
	s.engine.remove(ctx, s.ID)
	s.attach.Close()
	<-copied
	s.exit = exit
	close(s.gone)
}

// Stdin is the server's standard input; closing it signals end of input.
func (s *Sandbox) Stdin() io.WriteCloser { return stdin{s} }

type stdin struct{ s *Sandbox }

func (w stdin) Write(p []byte) (int, error) { return w.s.traffic().attach.Conn.Write(p) }
func (w stdin) Close() error                { return w.s.traffic().attach.CloseWrite() }

// Stdout is the server's standard output; it ends when the server does.
func (s *Sandbox) Stdout() io.ReadCloser { return s.traffic().stdout }

// traffic is the container whose stdio carries the session.
func (s *Sandbox) traffic() *Sandbox {
	if s.relay != nil {
		return s.relay
	}
	return s
}

// Log is the server's stderr log.
func (s *Sandbox) Log() *ServerLog { return s.log }

// Done is closed once its containers have exited and been removed.
func (s *Sandbox) Done() <-chan struct{} { return s.done }

// Exit reports how the sandbox ended; valid after Done.
func (s *Sandbox) Exit() Exit {
	<-s.done
	return s.exit
}

// Stop ends the server the way MCP asks for stdio servers: close its input,
// then SIGTERM, then SIGKILL, and waits until the container is gone. A
// server speaking HTTP gets SIGTERM at once, and its relay follows it.
// Within a deadline too close for the usual graces, the input and SIGTERM
// share what time there is, so the server is killed before it.
func (s *Sandbox) Stop(ctx context.Context) error {
	s.stopping.Store(true)
	input, term := graces(ctx)
	if s.relay != nil {
		s.terminate(ctx, term) // watchGroup then ends the relay and the network
	} else {
		s.attach.CloseWrite()
		select {
		case <-s.gone:
		case <-time.After(input):
			s.terminate(ctx, term)
		case <-ctx.Done():
			s.terminate(ctx, term)
		}
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// graces are how long a stopping server waits after its input closes and
// then after SIGTERM: stdinGrace and termGrace, or half each of the time
// left before ctx's deadline (less killTime) when that is shorter.
func graces(ctx context.Context) (input, term time.Duration) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return stdinGrace, termGrace
	}
	left := max(time.Until(deadline)-killTime, 0)
	if left >= stdinGrace+termGrace {
		return stdinGrace, termGrace
	}
	return left / 2, left / 2
}

// terminate sends SIGTERM, then SIGKILL after grace (to the nearest
// second, as the engine counts), and makes sure the container is removed.
func (s *Sandbox) terminate(ctx context.Context, grace time.Duration) {
	timeout := int(grace.Round(time.Second) / time.Second)
	_, err := s.engine.cli.ContainerStop(context.WithoutCancel(ctx), s.ID, client.ContainerStopOptions{Timeout: &timeout})
	if err != nil && !cerrdefs.IsNotFound(err) {
		s.engine.remove(context.WithoutCancel(ctx), s.ID)
	}
}

// Restart stops the sandbox and launches a fresh one from the same spec.
func (s *Sandbox) Restart(ctx context.Context) (*Sandbox, error) {
	if err := s.Stop(ctx); err != nil {
		return nil, err
	}
	return s.engine.Launch(ctx, s.Spec)
}

// refuseWeakened turns create warnings into a refusal: the engine warns when
// it drops or changes part of what was asked (a limit its kernel cannot
// enforce, for one), and a sandbox weaker than its spec does not run.
func refuseWeakened(warnings []string) error {
	if len(warnings) == 0 {
		return nil
	}
	return fmt.Errorf("the engine would not apply the whole sandbox (%s); Bulkhead does not run a weaker one: `bulkhead doctor` shows what this engine lacks",
		strings.Join(warnings, "; "))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
