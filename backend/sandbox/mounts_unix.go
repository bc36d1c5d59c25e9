//go:build unix

package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// checkStable refuses a grant that someone other than root or this user
// could re-point between this check and the engine's mount: the engine is
// handed a path and resolves it again, so whoever can replace a directory
// on that path with a link decides what is mounted. Every directory above
// the resolved path must be a real directory (a link there means it
// changed since it was resolved), owned by root or this user and writable
// by nobody else, unless it is sticky and the entry below it is root's or
// this user's: others may add to /tmp, but not replace what is ours.
func checkStable(written, resolved string) error {
	me := uint32(os.Geteuid())
	trusted := func(fi fs.FileInfo) bool {
		st, ok := fi.Sys().(*syscall.Stat_t)
		return ok && (st.Uid == 0 || st.Uid == me)
	}
	dir, err := os.Lstat("/")
	if err != nil {
		return fmt.Errorf("mount host path %s: %v", written, err)
	}
	at := "/"
	for _, part := range strings.Split(strings.TrimPrefix(resolved, "/"), "/") {
		next := filepath.Join(at, part)
		fi, err := os.Lstat(next)
		if err != nil {
			return fmt.Errorf("mount host path %s: %v", written, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("mount host path %s changed while it was checked (%s is a link now); nothing was mounted: try again, and find out who changes it", written, next)
		}
		mode := dir.Mode()
		switch {
		case !trusted(dir):
			return fmt.Errorf("mount host path %s is refused: %s belongs to another user, who could swap what it holds for a link before the server starts; grant a folder that only you and root control", written, at)
		case mode.Perm()&0o022 != 0 && !(mode&fs.ModeSticky != 0 && trusted(fi)):
			return fmt.Errorf("mount host path %s is refused: %s is writable by others, who could swap what it holds for a link before the server starts; run `chmod go-w %s` or grant a folder elsewhere", written, at, at)
		}
		dir, at = fi, next
	}
	return nil
}
