package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Log limits: a server cannot fill the disk or the terminal through stderr.
const (
	logFileMax  = 1 << 20 // bytes per file; one older file is kept
	logLineMax  = 8 << 10 // longer lines are cut
	logTailSize = 20      // lines kept in memory for error messages
)

// ServerLog is a server's stderr: a pair of size-capped files under
// <home>/logs, shared by every process that runs the server, and the last
// lines in memory. Control and invisible characters are escaped on the way
// in, so reading the log cannot drive a terminal.
type ServerLog struct {
	mu      sync.Mutex
	path    string
	file    *os.File
	partial []byte
	tail    []string
}

// LogPath is where a server's log lives.
func LogPath(home, server string) string {
	return filepath.Join(home, "logs", server+".log")
}

// OpenServerLog opens (creating) the log of server under home.
func OpenServerLog(home, server string) (*ServerLog, error) {
	if !catalog.ValidName(server) {
		return nil, fmt.Errorf("%q is not a server name", server)
	}
	path := LogPath(home, server)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &ServerLog{path: path, file: f}, nil
}

// Write takes raw stderr bytes; complete lines are stamped and stored.
func (l *ServerLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.store(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > logLineMax {
		l.store(l.partial)
		l.partial = l.partial[:0]
	}
	return len(p), nil
}

// Close stores any unfinished line and closes the file.
func (l *ServerLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.store(l.partial)
		l.partial = nil
	}
	return l.file.Close()
}

// Tail returns the last lines written through this ServerLog, oldest first.
func (l *ServerLog) Tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}

func (l *ServerLog) store(raw []byte) {
	line := EscapeControl(string(bytes.TrimRight(raw, "\r")))
	if len(line) > logLineMax {
		line = line[:logLineMax] + " [line cut]"
	}
	l.tail = append(l.tail, line)
	if len(l.tail) > logTailSize {
		l.tail = l.tail[1:]
	}
	l.rotateIfFull()
	fmt.Fprintf(l.file, "%s %s\n", time.Now().UTC().Format(time.RFC3339Nano), line)
}

// rotateIfFull moves a full file aside and starts a new one. When another
// process sharing the log rotated first, this one only reopens the path.
func (l *ServerLog) rotateIfFull() {
	fi, err := l.file.Stat()
	if err != nil || fi.Size() < logFileMax {
		return
	}
	if cur, err := os.Stat(l.path); err == nil && os.SameFile(fi, cur) {
		os.Rename(l.path, l.path+".1")
	}
	if f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
		l.file.Close()
		l.file = f
	}
}

// CopyServerLog writes the stored log of server (older file first) to w.
func CopyServerLog(home, server string, w io.Writer) error {
	if !catalog.ValidName(server) {
		return fmt.Errorf("%q is not a server name", server)
	}
	path := LogPath(home, server)
	found := false
	for _, p := range []string{path + ".1", path} {
		f, err := os.Open(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		found = true
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if !found {
		return fmt.Errorf("no log for server %q yet: it has not been run from this Bulkhead home", server)
	}
	return nil
}
