package sandbox

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestShutdownLeavesNothingOfLaunchesUnderWay: Shutdown comes while
// servers granted network, which ignore their input and SIGTERM, are being
// launched (network, proxy and server created one after the other).
// Whatever each launch had made by then, nothing of this process is left
// once Shutdown and the launches have returned, and nothing launches
// after it.
func TestShutdownLeavesNothingOfLaunchesUnderWay(t *testing.T) {
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	t.Cleanup(func() { e.Shutdown(context.Background()) }) // whatever a failure left
	img := testenv.ServerImage(t, e.Client(), "hostile")
	ctx := context.Background()
	var specs []Spec
	for i := range 3 {
		en := entryFor(t, "stubborn"+strconv.Itoa(i), img, "    args: [--stubborn]\n    permissions:\n      network: [example.com:443]\n")
		resolved, err := e.ResolveImage(ctx, en.Image, PullNever, nil)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := NewSpec(en, resolved, e.Host())
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, spec)
	}
	if _, err := e.helperImage(ctx); err != nil { // loaded before, so the launches race only each other
		t.Fatal(err)
	}
	launched := make([]*Sandbox, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Go(func() { launched[i], _ = e.Launch(ctx, spec) })
	}
	mine := client.Filters{}.Add("label", LabelHome+"="+e.homeID)
	networks := func() int {
		res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: mine})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Items)
	}
	testenv.WaitFor(t, "a launch to have made its network", func() bool { return networks() > 0 })

	shutCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, _, err := e.Shutdown(shutCtx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	wg.Wait()
	for _, sb := range launched {
		if sb == nil {
			continue
		}
		select {
		case <-sb.Done():
		case <-time.After(30 * time.Second):
			t.Errorf("sandbox %s never saw its end", sb.Name)
		}
	}
	if left, err := e.list(ctx, ""); err != nil || len(left) != 0 {
		t.Errorf("containers left: %+v %v", left, err)
	}
	if n := networks(); n != 0 {
		t.Errorf("%d networks left", n)
	}
	if _, err := e.Launch(ctx, specs[0]); !errors.Is(err, errShuttingDown) {
		t.Errorf("a launch after Shutdown: %v, want it refused", err)
	}
}

// TestHelpersEndAtSIGTERM: a server speaking HTTP and granted network is
// stopped; its relay and egress proxy exit at the SIGTERM they are sent,
// cleanly, instead of waiting to be killed.
func TestHelpersEndAtSIGTERM(t *testing.T) {
	e := testEngine(t)
	e.UseHelper(testenv.BulkheadBinary(t))
	img := testenv.ServerImage(t, e.Client(), "featureful")
	sb := launchEntry(t, e, "helped", img, "    transport: http\n    http: {port: 8080}\n    args: [--http, \":8080\"]\n    permissions:\n      network: [example.com:443]\n")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range sb.helpers() {
		<-h.gone // a helper's end, as Stop waited for it
		if x := h.exit; x.Code != 0 {
			t.Errorf("the %s exited %+v, want 0: it ignored SIGTERM until killed", h.role, x)
		}
	}
}

// TestGracesShareANearDeadline: a stop with time to spare gets the usual
// graces; one whose deadline is nearer splits what is left (less the time
// a kill takes) between the input and SIGTERM, so the kill comes in time.
func TestGracesShareANearDeadline(t *testing.T) {
	in := func(d time.Duration) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		t.Cleanup(cancel)
		return ctx
	}
	if input, term := graces(context.Background()); input != stdinGrace || term != termGrace {
		t.Errorf("no deadline: %v, %v", input, term)
	}
	if input, term := graces(in(time.Minute)); input != stdinGrace || term != termGrace {
		t.Errorf("a minute: %v, %v", input, term)
	}
	input, term := graces(in(2500 * time.Millisecond))
	if share := (2500*time.Millisecond - killTime) / 2; input != term || input > share || input < share-100*time.Millisecond {
		t.Errorf("2.5s: %v, %v; want %v each", input, term, share)
	}
	if input, term := graces(in(-time.Second)); input != 0 || term != 0 {
		t.Errorf("past: %v, %v", input, term)
	}
}
