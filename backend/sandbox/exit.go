package sandbox

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

// Err explains an unexpected end in one line. A clean exit is no error, nor
// is dying of the SIGTERM or SIGKILL that Stop sends; a crash is, even one
// that happens while stopping.
func (s *Sandbox) Err() error {
	x := s.Exit()
	name := s.Spec.Server
	who := fmt.Sprintf("server %q", name)
	if x.Helper != "" {
		who = fmt.Sprintf("the %s of server %q", x.Helper, name)
	}
	switch {
	case x.OOMKilled && x.Code != 0 && x.Helper == "":
		return fmt.Errorf("%s was killed for reaching its memory limit (%s); raise permissions.memory if it needs more",
			who, catalog.ByteSize(s.Spec.Memory))
	case x.Err != nil:
		return fmt.Errorf("%s: the engine stopped reporting on its container: %s", who, oneLine(x.Err))
	case x.Code == 0, x.Stopped && (x.Code == 128+15 || x.Code == 128+9):
		return nil
	}
	msg := fmt.Sprintf("%s exited with code %d", who, x.Code)
	if x.Code > 128 && x.Code < 160 {
		msg = fmt.Sprintf("%s was killed by signal %d", who, x.Code-128)
	}
	if tail := s.log.Tail(); len(tail) > 0 {
		msg += ": " + strings.TrimSpace(tail[len(tail)-1]) // already escaped
	}
	return fmt.Errorf("%s (full log: bulkhead logs %s)", msg, name)
}
