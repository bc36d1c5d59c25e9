package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/secrets"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// app holds what commands share, opened on first use.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	homeFlag       string
	catalogFlag    string

	st  *store.Store
	eng *sandbox.Engine
	vlt *secrets.Vault
}

// home is Bulkhead's state directory: flag, then $BULKHEAD_HOME, then the
// user's config directory.
func (a *app) home() (string, error) {
	if a.homeFlag != "" {
		return filepath.Abs(a.homeFlag)
	}
	if h := os.Getenv("BULKHEAD_HOME"); h != "" {
		return filepath.Abs(h)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for Bulkhead's state (%v): set BULKHEAD_HOME", err)
	}
	return filepath.Join(dir, "bulkhead"), nil
}

// catalog loads the built-in catalog and the user's file. A file named by
// flag or environment must exist; the default one may be absent.
func (a *app) catalog() (*catalog.Catalog, error) {
	path, explicit := a.catalogPath(), true
	if path == "" {
		home, err := a.home()
		if err != nil {
			return nil, err
		}
		path, explicit = filepath.Join(home, "catalog.yaml"), false
	}
	return catalog.Load(path, explicit)
}

// catalogPath is the user catalog named by flag or environment, or "".
func (a *app) catalogPath() string {
	if a.catalogFlag != "" {
		return a.catalogFlag
	}
	return os.Getenv("BULKHEAD_CATALOG")
}

func (a *app) entry(name string) (catalog.Entry, error) {
	cat, err := a.catalog()
	if err != nil {
		return catalog.Entry{}, err
	}
	e, ok := cat.Lookup(name)
	if !ok {
		return catalog.Entry{}, fmt.Errorf("no server %q in the catalog: `bulkhead catalog ls` lists them", name)
	}
	return e, nil
}

// server opens what acting on one catalog server needs.
func (a *app) server(ctx context.Context, name string) (catalog.Entry, *store.Store, *sandbox.Engine, error) {
	entry, err := a.entry(name)
	if err != nil {
		return catalog.Entry{}, nil, nil, err
	}
	st, err := a.store(ctx)
	if err != nil {
		return catalog.Entry{}, nil, nil, err
	}
	eng, err := a.engine(ctx)
	if err != nil {
		return catalog.Entry{}, nil, nil, err
	}
	return entry, st, eng, nil
}

func (a *app) store(ctx context.Context) (*store.Store, error) {
	if a.st == nil {
		home, err := a.home()
		if err != nil {
			return nil, err
		}
		if a.st, err = store.Open(ctx, filepath.Join(home, "bulkhead.db")); err != nil {
			return nil, err
		}
	}
	return a.st, nil
}

func (a *app) vault(ctx context.Context) (*secrets.Vault, error) {
	if a.vlt == nil {
		home, err := a.home()
		if err != nil {
			return nil, err
		}
		st, err := a.store(ctx)
		if err != nil {
			return nil, err
		}
		if a.vlt, err = secrets.Open(home, st); err != nil {
			return nil, err
		}
	}
	return a.vlt, nil
}

func (a *app) engine(ctx context.Context) (*sandbox.Engine, error) {
	if a.eng == nil {
		home, err := a.home()
		if err != nil {
			return nil, err
		}
		admin, err := loadAdmin()
		if err != nil {
			return nil, err
		}
		if a.eng, err = sandbox.Connect(ctx, home); err != nil {
			return nil, err
		}
		a.eng.UseHelper(helperBinary())
		a.eng.RestrictImages(admin.Images.Allow)
		if cat, err := a.catalog(); err == nil {
			a.eng.ShareWrites(cat.Entries)
		}
		if st, err := a.store(ctx); err == nil {
			a.eng.OnEgress(recordEgress(a, st))
		}
	}
	return a.eng, nil
}

func (a *app) close() {
	if a.eng != nil {
		a.eng.Close()
	}
	if a.st != nil {
		a.st.Close()
	}
}
