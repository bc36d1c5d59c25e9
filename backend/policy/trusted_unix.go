//go:build unix

package policy

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

func systemAdminPath() (string, error) { return "/etc/bulkhead/policy.yaml", nil }

// trustedEntry refuses a file or directory that anyone but root (or, with
// userMayOwn, the user running Bulkhead) owns or that its group or others
// can write. A sticky directory, like /tmp, is writable by all but lets no
// one rename or remove what others own in it, so it passes; what lies in it
// is checked in turn.
func trustedEntry(path string, fi fs.FileInfo, userMayOwn bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot tell who owns it", path)
	}
	if st.Uid != 0 && (!userMayOwn || int(st.Uid) != os.Geteuid()) {
		owner := "root"
		if userMayOwn {
			owner = "root or you"
		}
		return fmt.Errorf("%s is owned by uid %d, not %s, so it is not an administrator's: chown root %s", path, st.Uid, owner, path)
	}
	if fi.Mode().Perm()&0o022 != 0 && !(fi.IsDir() && fi.Mode()&fs.ModeSticky != 0) {
		return fmt.Errorf("%s can be changed by users other than its owner (%s), so it is not only an administrator's: chmod go-w %s", path, fi.Mode(), path)
	}
	return nil
}
