//go:build faults

package main

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestShutdownOutwaitsASlowEngine tells `gateway --stdio --eager` to end
// while its servers are being created and the engine cannot answer
// (dockerd paused, as on a machine so busy that creating a container takes
// seconds): the gateway ends only once it has removed what the engine was
// creating, past its budget, and says so; nothing is left. Before, it gave
// up at the budget and the engine made its containers after it was gone.
// It pauses the engine every other test needs, so it builds only with
// -tags faults.
func TestShutdownOutwaitsASlowEngine(t *testing.T) {
	e, cli := shutdownEnv(t)
	cmd := e.command(gatewayArgs("--stdio")...)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	cmd.Stdout = io.Discard
	stderr := startLogged(t, cmd)
	testenv.WaitFor(t, "the first server to be created", func() bool { return len(e.containers(cli))+len(e.networks(cli)) > 0 })

	signalEngine(t, "STOP")
	t.Cleanup(func() { signalEngine(t, "CONT") }) // whatever happens
	cmd.Process.Signal(syscall.SIGTERM)
	// The engine stays away for longer than the budget: a wait for time
	// itself, since time is what is tested.
	<-time.After(shutdownBudget + time.Second)
	signalEngine(t, "CONT")

	waitExit(t, cmd, stderr)
	requireNothingLeft(t, e, cli)
	if !strings.Contains(stderr.String(), "past the 4s budget: the Docker Engine was slow to answer") {
		t.Errorf("stderr does not say the engine was slow:\n%s", stderr)
	}
}

// signalEngine sends dockerd a signal (STOP pauses it, CONT resumes it).
func signalEngine(t *testing.T, sig string) {
	t.Helper()
	args := []string{"sh", "-c", "kill -" + sig + " $(pidof dockerd)"}
	if os.Geteuid() != 0 {
		args = append([]string{"sudo"}, args...)
	}
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("kill -%s dockerd: %v\n%s", sig, err, out)
	}
}
