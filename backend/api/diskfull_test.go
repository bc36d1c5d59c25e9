//go:build linux

package api

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/internal/smalldisk"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// A full disk under the state database is its own stable code, 507, with
// what to do, not an internal error.
func TestAFullDiskIsItsOwnCodeAndSaysWhatToDo(t *testing.T) {
	ctx := context.Background()
	dir := smalldisk.Mount(t)
	st, err := store.Open(ctx, filepath.Join(dir, "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := newEnv(t, func(c *Config) { c.Store, c.Queue = st, policy.NewQueue(st, "test", nil) })
	smalldisk.Fill(t, dir)
	var resp *http.Response
	for i := range 500 {
		resp = e.req("PUT", "/api/policy", map[string]string{"server": "time", "tool": fmt.Sprintf("tool_%d_%s", i, strings.Repeat("x", 4000)), "action": "deny"})
		if resp.StatusCode != http.StatusOK {
			break
		}
		resp.Body.Close()
	}
	var body struct{ Error Error }
	decode(t, resp, http.StatusInsufficientStorage, &body)
	if body.Error.Code != CodeDiskFull || body.Error.Message != store.DiskFullMessage {
		t.Fatalf("error %+v, want %s: %q", body.Error, CodeDiskFull, store.DiskFullMessage)
	}
}
