package main

import (
	"os/exec"
	"syscall"
)

// endsWithTests has bulkhead processes a test starts told to end (SIGTERM,
// the bounded shutdown that removes their containers) if the test binary
// dies first, as at a -timeout: an orphaned `serve` would otherwise go on
// restarting its servers beside the next tests.
func endsWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
