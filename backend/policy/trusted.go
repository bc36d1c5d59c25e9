package policy

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxPolicyBytes caps what is read of a policy file.
const maxPolicyBytes = 1 << 20

// maxLinks is how many links a path may go through, as on Linux.
const maxLinks = 40

// readTrusted reads the regular file path names once resolveTrusted has
// found that no one but its owner could have put it there, and checks
// that the file itself is one only its owner can change.
func readTrusted(path string, userMayOwn bool) ([]byte, error) {
	real, err := resolveTrusted(path, userMayOwn)
	if err != nil {
		return nil, err
	}
	checked, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if !checked.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: make it one only an administrator can change", real)
	}
	if err := trustedEntry(real, checked, userMayOwn); err != nil {
		return nil, err
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(checked, opened) {
		return nil, fmt.Errorf("%s was replaced while it was checked: try again, and ask its administrator why", real)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPolicyBytes+1))
	if len(b) > maxPolicyBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", real, maxPolicyBytes)
	}
	return b, err
}

// resolveTrusted follows path to what it names one name at a time, as the
// system does, and checks every directory a name is looked up in: a link
// is only as trustworthy as the directory that holds it, and a file as the
// directories above it. It returns the real path, or an error wrapping
// fs.ErrNotExist when nothing is there (an absence that only the owners
// of the directories looked in could have caused).
func resolveTrusted(path string, userMayOwn bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	cur, rest, err := enterRoot(abs, "", userMayOwn)
	if err != nil {
		return "", err
	}
	for links := 0; len(rest) > 0; {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur) // checked on the way down
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if links++; links > maxLinks {
				return "", fmt.Errorf("%s goes through more than %d links", path, maxLinks)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if isRooted(target) {
				var more []string
				if cur, more, err = enterRoot(target, filepath.VolumeName(cur), userMayOwn); err != nil {
					return "", err
				}
				rest = append(more, rest...)
			} else {
				rest = append(splitPath(target), rest...)
			}
			continue
		case fi.Mode()&fs.ModeIrregular != 0:
			return "", fmt.Errorf("%s is a special file (a mount point or reparse point) Bulkhead cannot follow safely", next)
		case len(rest) > 0:
			if !fi.IsDir() {
				return "", fmt.Errorf("%s is not a directory", next)
			}
			if err := trustedEntry(next, fi, userMayOwn); err != nil {
				return "", err
			}
		}
		cur = next
	}
	return cur, nil
}

// enterRoot checks the root directory of a rooted path (of volume vol if
// it names none) and returns it with the names that follow it.
func enterRoot(path, vol string, userMayOwn bool) (string, []string, error) {
	if v := filepath.VolumeName(path); v != "" {
		vol = v
	}
	root := vol + string(filepath.Separator)
	fi, err := os.Lstat(root)
	if err != nil {
		return "", nil, err
	}
	if err := trustedEntry(root, fi, userMayOwn); err != nil {
		return "", nil, err
	}
	return root, splitPath(path[len(filepath.VolumeName(path)):]), nil
}

func isRooted(path string) bool {
	return filepath.IsAbs(path) || strings.HasPrefix(path, string(filepath.Separator)) || strings.HasPrefix(path, "/")
}

func splitPath(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == filepath.Separator })
}
