package sandbox

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// seccompProfile is Docker's default seccomp profile without unix
// sockets. A socket file anywhere a sandbox can see (inside a granted
// directory, made there after launch by any host process) would otherwise
// reach a host service: an SSH agent, a language server, a database. So a
// sandbox may not make a unix socket with socket(2), nor a datagram socket
// pair, whose sendto(2) can name any socket path. Stream and seqpacket
// pairs, which reach nothing but each other, stay (runtimes use them to
// talk to their own children). socketcall(2), whose arguments seccomp
// cannot see, is refused too: it only serves 32-bit x86 programs.
var seccompProfile = sync.OnceValue(func() string {
	p := seccomp.DefaultProfile()
	var kept []*seccomp.Syscall
	var domains []uint64
	for _, s := range p.Syscalls {
		if slices.Equal(s.Names, []string{"socket"}) {
			domains = append(domains, socketDomains(s)...)
			continue
		}
		s.Names = slices.DeleteFunc(slices.Clone(s.Names), func(n string) bool { return n == "socket" || n == "socketcall" || n == "socketpair" })
		if len(s.Names) > 0 {
			kept = append(kept, s)
		}
	}
	for _, d := range domains {
		if d != unix.AF_UNIX {
			kept = append(kept, allowWhen("socket", 0, d, 0, specs.OpEqualTo))
		}
	}
	for _, t := range []uint64{unix.SOCK_STREAM, unix.SOCK_SEQPACKET} {
		// The type carries SOCK_CLOEXEC and SOCK_NONBLOCK above its low bits.
		kept = append(kept, allowWhen("socketpair", 1, 0xf, t, specs.OpMaskedEqual))
	}
	p.Syscalls = kept
	b, err := json.Marshal(p)
	if err != nil {
		panic("seccomp profile: " + err.Error()) // a static structure: cannot fail
	}
	return string(b)
})

// socketDomains lists the address families an allow rule for socket(2)
// of Docker's profile admits: one family, or those below a bound.
func socketDomains(s *seccomp.Syscall) []uint64 {
	if len(s.Args) != 1 || s.Args[0].Index != 0 {
		return nil
	}
	a := s.Args[0]
	switch a.Op {
	case specs.OpEqualTo:
		return []uint64{a.Value}
	case specs.OpLessThan:
		var ds []uint64
		for d := uint64(unix.AF_UNIX); d < a.Value; d++ {
			ds = append(ds, d)
		}
		return ds
	}
	return nil
}

func allowWhen(name string, index uint, value, valueTwo uint64, op specs.LinuxSeccompOperator) *seccomp.Syscall {
	return &seccomp.Syscall{LinuxSyscall: specs.LinuxSyscall{
		Names:  []string{name},
		Action: specs.ActAllow,
		Args:   []specs.LinuxSeccompArg{{Index: index, Value: value, ValueTwo: valueTwo, Op: op}},
	}}
}
