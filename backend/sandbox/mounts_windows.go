//go:build windows

package sandbox

// checkStable has no owner and mode bits to read on Windows; Docker
// Desktop shares host folders from there through its own file service.
func checkStable(written, resolved string) error { return nil }
