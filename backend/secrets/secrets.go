// Package secrets keeps the values of servers' secrets: sealed with
// AES-256-GCM in the state database under a key kept in a separate file
// (0600), so a copy of the database alone reveals nothing. Values leave
// only to the server that owns them, as environment at start.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

const keySize = 32

// Vault seals and opens secrets with one key.
type Vault struct {
	st   *store.Store
	aead cipher.AEAD
}

// KeyPath is where the key of a home lives.
func KeyPath(home string) string { return filepath.Join(home, "secrets.key") }

// Open reads the home's key, making one on first use.
func Open(home string, st *store.Store) (*Vault, error) {
	path := KeyPath(home)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = create(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", path, err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("secrets key %s is %d bytes, not %d: it is damaged; restore it from a backup (without it, stored secrets cannot be read)", path, len(key), keySize)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets key %s can be read by others (mode %v); run `chmod 600 %s`", path, info.Mode().Perm(), path)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Vault{st: st, aead: aead}, nil
}

func create(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, keySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// Set stores value as server's secret name.
func (v *Vault) Set(ctx context.Context, server, name string, value []byte) error {
	nonce := make([]byte, v.aead.NonceSize())
	rand.Read(nonce)
	sealed := v.aead.Seal(nonce, nonce, value, additional(server, name))
	return v.st.PutSecret(ctx, store.SealedSecret{Server: server, Name: name, Sealed: sealed})
}

// Values opens the secrets a server needs; a missing one is an error that
// says how to set it.
func (v *Vault) Values(ctx context.Context, server string, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	stored, err := v.st.Secrets(ctx, server)
	if err != nil {
		return nil, err
	}
	byName := map[string][]byte{}
	for _, s := range stored {
		byName[s.Name] = s.Sealed
	}
	out := map[string]string{}
	for _, n := range names {
		sealed, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("server %q needs the secret %s, which is not set; set it with `bulkhead secret set %s %s` (the value is read from stdin)", server, n, server, n)
		}
		plain, err := v.open(server, n, sealed)
		if err != nil {
			return nil, err
		}
		out[n] = string(plain)
	}
	return out, nil
}

func (v *Vault) open(server, name string, sealed []byte) ([]byte, error) {
	ns := v.aead.NonceSize()
	if len(sealed) < ns {
		return nil, fmt.Errorf("secret %s of %s is damaged; set it again", name, server)
	}
	plain, err := v.aead.Open(nil, sealed[:ns], sealed[ns:], additional(server, name))
	if err != nil {
		return nil, fmt.Errorf("secret %s of %s cannot be opened with this home's key (was secrets.key replaced?); set it again", name, server)
	}
	return plain, nil
}

// additional binds a sealed value to its server and name.
func additional(server, name string) []byte { return []byte(server + "\x00" + name) }

// All opens every stored secret, of every server: the values a gateway
// watches for in what servers return. A value that cannot be opened is
// reported in the error; the others are still returned.
func (v *Vault) All(ctx context.Context) ([]string, error) {
	stored, err := v.st.Secrets(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	var errs []error
	for _, s := range stored {
		plain, err := v.open(s.Server, s.Name, s.Sealed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, string(plain))
	}
	return out, errors.Join(errs...)
}
