package secrets

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func TestSecretsAreSealedAtRest(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	dbPath := filepath.Join(home, "bulkhead.db")
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := Open(home, st)
	if err != nil {
		t.Fatal(err)
	}
	const value = "ghp_0123456789abcdefSECRETVALUE"
	if err := v.Set(ctx, "github", "GITHUB_TOKEN", []byte(value)); err != nil {
		t.Fatal(err)
	}
	got, err := v.Values(ctx, "github", []string{"GITHUB_TOKEN"})
	if err != nil || got["GITHUB_TOKEN"] != value {
		t.Fatalf("values: %v %v", got, err)
	}
	if info, err := os.Stat(KeyPath(home)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", info, err)
	}
	st.Close() // flush the WAL into the file
	for _, f := range []string{dbPath, dbPath + "-wal"} {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("SECRETVALUE")) {
			t.Errorf("%s holds the value in clear", f)
		}
	}
	st, _ = store.Open(ctx, dbPath)
	defer st.Close()
	v, _ = Open(home, st)

	// Another server asking for the same name gets nothing of it.
	if _, err := v.Values(ctx, "evil", []string{"GITHUB_TOKEN"}); err == nil || !strings.Contains(err.Error(), "bulkhead secret set evil GITHUB_TOKEN") {
		t.Errorf("another server's secret: %v", err)
	}
	// A sealed value moved to another server does not open there.
	sealed, _ := st.Secrets(ctx, "github")
	st.PutSecret(ctx, store.SealedSecret{Server: "evil", Name: "GITHUB_TOKEN", Sealed: sealed[0].Sealed})
	if _, err := v.Values(ctx, "evil", []string{"GITHUB_TOKEN"}); err == nil || !strings.Contains(err.Error(), "cannot be opened") {
		t.Errorf("moved sealed value: %v", err)
	}
	// All opens what it can and names what it cannot.
	all, err := v.All(ctx)
	if len(all) != 1 || all[0] != value || err == nil || !strings.Contains(err.Error(), "secret GITHUB_TOKEN of evil") {
		t.Errorf("all: %d values, %v", len(all), err)
	}
	// Another key opens nothing.
	other := t.TempDir()
	ov, err := Open(other, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ov.Values(ctx, "github", []string{"GITHUB_TOKEN"}); err == nil {
		t.Errorf("another home's key opened the secret")
	}
	os.Chmod(KeyPath(other), 0o644)
	if _, err := Open(other, st); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key others can read: %v", err)
	}
}
