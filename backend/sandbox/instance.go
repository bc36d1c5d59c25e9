package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// An instance is one running Bulkhead process that owns containers. It
// holds an exclusive lock on <home>/run/<id>.lock for as long as it lives;
// the kernel drops the lock when the process dies however it dies, so a
// reaper that can take the lock knows the owner is gone.
type instance struct {
	id   string
	file *os.File
}

func instanceLockPath(home, id string) string {
	return filepath.Join(home, "run", id+".lock")
}

func newInstance(home string) (*instance, error) {
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	path := instanceLockPath(home, id)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create instance lock: %w", err)
	}
	if ok, err := tryLock(f); err != nil || !ok {
		f.Close()
		return nil, fmt.Errorf("lock instance file %s: %v", path, err)
	}
	return &instance{id: id, file: f}, nil
}

func (in *instance) release() {
	in.file.Close()
	os.Remove(in.file.Name())
}

// ownerAlive reports whether the instance id still holds its lock. A missing
// lock file means the owner is gone. When the owner is gone, its lock file
// is removed.
func ownerAlive(home, id string) bool {
	if id == "" {
		return false
	}
	path := instanceLockPath(home, id)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		return true // cannot tell: leave its containers alone
	}
	defer f.Close()
	locked, err := tryLock(f)
	if err != nil || !locked {
		return true
	}
	os.Remove(path)
	return false
}

// sweepLocks removes the lock files of dead instances that left no
// container behind; checked lists the ones already looked at.
func sweepLocks(home string, checked map[string]bool) {
	entries, _ := os.ReadDir(filepath.Join(home, "run"))
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".lock")
		if _, seen := checked[id]; ok && !seen {
			ownerAlive(home, id) // removes the file when its owner is gone
		}
	}
}
