//go:build linux || darwin

package store

import "syscall"

// noRoom reports whether the file system holding dir has no space left
// for an unprivileged writer.
func noRoom(dir string) bool {
	var fs syscall.Statfs_t
	return syscall.Statfs(dir, &fs) == nil && fs.Bavail == 0
}
