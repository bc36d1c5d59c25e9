package sandbox

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Err explains an unexpected end in one line, or returns nil when the
// server exited cleanly or was stopped on request.
func (s *Sandbox) Err() error {
	x := s.Exit()
	name := s.Spec.Server
	switch {
	case x.OOMKilled:
		return fmt.Errorf("server %q was killed for reaching its memory limit (%s); raise permissions.memory if it needs more",
			name, catalog.ByteSize(s.Spec.Memory))
	case x.Stopped:
		return nil
	case x.Err != nil:
		return fmt.Errorf("server %q: the engine stopped reporting on its container: %s", name, oneLine(x.Err))
	case x.Code == 0:
		return nil
	}
	msg := fmt.Sprintf("server %q exited with code %d", name, x.Code)
	if x.Code > 128 && x.Code < 160 {
		msg = fmt.Sprintf("server %q was killed by signal %d", name, x.Code-128)
	}
	if tail := s.log.Tail(); len(tail) > 0 {
		msg += ": " + strings.TrimSpace(tail[len(tail)-1]) // already escaped
	}
	return fmt.Errorf("%s (full log: bulkhead logs %s)", msg, name)
}
