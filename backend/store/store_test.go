package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesPrivateFileAndMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "bulkhead.db")
	s := open(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode = %v, want 0700", di.Mode().Perm())
	}
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v != LatestSchemaVersion() || v < 1 {
		t.Errorf("schema version = %d, %v; want %d", v, err, LatestSchemaVersion())
	}
	s.Close()
	// Reopening applies nothing twice.
	s2 := open(t, path)
	if v2, _ := s2.SchemaVersion(context.Background()); v2 != v {
		t.Errorf("schema version after reopen = %d, want %d", v2, v)
	}
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkhead.db")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent open: %v", err)
		}
	}
	s := open(t, path)
	var n int
	s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != LatestSchemaVersion() {
		t.Errorf("%d migration rows, want %d", n, LatestSchemaVersion())
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkhead.db")
	s := open(t, path)
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "schema version 999 is newer than this Bulkhead understands") {
		t.Errorf("want a clear refusal of a newer schema, got %v", err)
	}
}

func TestImagePinRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	if _, err := s.ImagePin(ctx, "time"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing pin: got %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	want := ImagePin{Server: "time", Ref: "mcp/time:latest", ID: "sha256:aaa", RepoDigest: "mcp/time@sha256:bbb", ApprovedAt: at, ApprovedBy: "first use", Volumes: []string{"/data", "/etc"}}
	if err := s.SaveImagePin(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.ImagePin(ctx, "time")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("pin = %+v, %v; want %+v", got, err, want)
	}
	want.ID, want.ApprovedBy = "sha256:ccc", "user"
	if err := s.SaveImagePin(ctx, want); err != nil {
		t.Fatal(err)
	}
	s.SaveImagePin(ctx, ImagePin{Server: "a", Ref: "x:1", ID: "sha256:ddd", ApprovedBy: "first use"})
	pins, err := s.ImagePins(ctx)
	if err != nil || len(pins) != 2 || pins[0].Server != "a" || !reflect.DeepEqual(pins[1], want) {
		t.Errorf("pins = %+v, %v", pins, err)
	}
}

func TestToggles(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "bulkhead.db"))
	tg, err := s.Toggles(ctx)
	if err != nil || len(tg.EnabledServers()) != 0 {
		t.Fatalf("fresh toggles: %+v, %v", tg, err)
	}
	s.SetEnabled(ctx, "time", "", true)
	s.SetEnabled(ctx, "fetch", "", true)
	s.SetEnabled(ctx, "fetch", "", false)
	s.SetEnabled(ctx, "time", "convert_time", false)
	s.SetEnabled(ctx, "time", "get_current_time", false)
	s.SetEnabled(ctx, "time", "get_current_time", true)
	tg, _ = s.Toggles(ctx)
	if got := tg.EnabledServers(); len(got) != 1 || got[0] != "time" {
		t.Errorf("enabled = %v", got)
	}
	if !tg.ToolDisabled("time", "convert_time") || tg.ToolDisabled("time", "get_current_time") || tg.ToolDisabled("fetch", "x") {
		t.Errorf("disabled tools = %v", tg.DisabledTools)
	}
}
