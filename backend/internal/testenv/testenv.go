// Package testenv gives tests a real Docker Engine and test images built
// from the servers under testdata/servers, with nothing pulled.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// RequireEngine returns a client of the engine named by the DOCKER_*
// environment. Without an engine, a test is skipped on a developer's
// machine and fails in CI, where integration tests must run.
func RequireEngine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs a Docker Engine for integration tests: %v", err)
		}
		t.Skipf("no Docker Engine reachable, skipping integration test (CI runs it): %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// RepoRoot is the directory holding go.mod.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("go.mod not found above " + file)
		}
		dir = parent
	}
}
