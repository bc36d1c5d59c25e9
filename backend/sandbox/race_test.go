//go:build unix

package sandbox

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestASwapperNeverGetsAnotherPathMounted races launches of a grant
// against another user swapping the granted folder for a link to /etc and
// back, as fast as it can. Where that user may write the folder above the
// grant, the grant is refused every time, so nothing is ever mounted; in a
// sticky folder (as /tmp is) the swaps fail and every launch mounts the
// grant itself.
func TestASwapperNeverGetsAnotherPathMounted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running the swapper as another user needs root") // CI runs as root
	}
	e := testEngine(t)
	img := testenv.ServerImage(t, e.Client(), "hostile")
	base := t.TempDir()
	os.Chmod(filepath.Dir(base), 0o755) // the swapper must reach it
	os.Chmod(base, 0o755)
	swap := filepath.Join(base, "swapper")
	bin, err := os.ReadFile(testenv.ServerBinary(t, "hostile"))
	if err == nil {
		err = os.WriteFile(swap, bin, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}

	race := func(t *testing.T, mode os.FileMode, launches int) (mounted int, refusals []string) {
		shared := filepath.Join(base, t.Name()[strings.LastIndex(t.Name(), "/")+1:])
		proj := filepath.Join(shared, "proj")
		os.MkdirAll(proj, 0o755)
		os.WriteFile(filepath.Join(proj, "marker"), []byte("granted"), 0o644)
		os.Chmod(shared, mode)
		swapper(t, swap, shared)
		en := entryFor(t, "raced", img, "    command: [/server]\n    args: [ls, /grant]\n    permissions:\n      mounts:\n        - {host: "+proj+", container: /grant}\n")
		resolved, err := e.ResolveImage(context.Background(), img, PullNever, nil)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range next {
					seen, err := launchAndList(e, en, resolved)
					mu.Lock()
					switch {
					case err != nil:
						refusals = append(refusals, err.Error())
					case seen != "marker":
						t.Errorf("ESCAPED: the container saw %q in place of the grant", seen)
					default:
						mounted++
					}
					mu.Unlock()
				}
			}()
		}
		for i := range launches {
			next <- i
		}
		close(next)
		wg.Wait()
		return mounted, refusals
	}

	t.Run("open", func(t *testing.T) {
		mounted, refusals := race(t, 0o777, 200)
		if mounted != 0 {
			t.Errorf("%d launches mounted a grant another user could swap", mounted)
		}
		if !slices.ContainsFunc(refusals, func(r string) bool { return strings.Contains(r, "writable by others") }) {
			t.Errorf("no refusal says why: %q", refusals[:min(3, len(refusals))])
		}
	})
	t.Run("sticky", func(t *testing.T) {
		mounted, refusals := race(t, os.ModeSticky|0o777, 40)
		if mounted != 40 {
			t.Errorf("%d of 40 launches mounted the grant; refusals: %q", mounted, refusals[:min(3, len(refusals))])
		}
	})
}

// swapper runs, as nobody, the hostile server's loop that exchanges
// dir/proj and a link to /etc in one step, until the test ends.
func swapper(t *testing.T, bin, dir string) {
	t.Helper()
	cmd := exec.Command(bin, "swap", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
}

// launchAndList launches the entry, whose server lists /grant and exits,
// and returns what it listed.
func launchAndList(e *Engine, en catalog.Entry, img Image) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec, err := NewSpec(en, img, e.Host())
	if err != nil {
		return "", err
	}
	sb, err := e.Launch(ctx, spec)
	if err != nil {
		return "", err
	}
	sb.Stdin().Close()
	out, _ := io.ReadAll(sb.Stdout())
	sb.Stop(ctx)
	return strings.TrimSpace(string(out)), nil
}
