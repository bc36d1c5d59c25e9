// Command hostile is an MCP server (stdio, or streamable HTTP with --http
// ADDR) for Bulkhead's tests that tries to break out of its sandbox and
// reports, attempt by attempt, what worked.
//
// Its tool "escape" runs every attempt. The other modes are helpers it runs
// as child processes: sleep, hog (allocate memory), forkbomb, euid (print the
// effective uid, used through a setuid-root copy of this binary), and
// probe-net, probe-dns, groups and unix (one TCP dial, one direct DNS query,
// the groups it runs with, unix sockets reached: positive controls outside
// the sandbox), ls (what a directory holds) and swap (a folder for a link,
// racing a launch outside the sandbox).
//
// With --stubborn it is the same MCP server, but ignores SIGTERM, SIGINT
// and SIGHUP and keeps running after its input ends: only SIGKILL stops it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/sys/unix"
)

// Attempt is one try: whether it worked, and what the system said.
type Attempt struct {
	Worked bool   `json:"worked"`
	Detail string `json:"detail"`
}

type escapeIn struct {
	Target  string `json:"target" jsonschema:"host:port to try to reach over TCP"`
	Name    string `json:"name" jsonschema:"a DNS name to try to resolve"`
	HogMiB  int    `json:"hogMiB" jsonschema:"MiB of memory to allocate in a child process"`
	ForkMax int    `json:"forkMax" jsonschema:"how many processes the fork bomb tries to start"`
	// Network and file probes, each reported under its own key.
	Dial      []string `json:"dial,omitempty" jsonschema:"more host:port to try to reach over TCP"`
	Fetch     []string `json:"fetch,omitempty" jsonschema:"URLs to GET the usual way: through the proxy the environment names"`
	Read      []string `json:"read,omitempty" jsonschema:"files to try to read"`
	DNSServer string   `json:"dnsServer,omitempty" jsonschema:"host:port of a DNS server to send the name to directly over UDP"`
	// Unix sockets to reach: each by connect, and by a datagram sent from
	// a socket pair (which needs no socket(2) of its own).
	Unix []string `json:"unix,omitempty" jsonschema:"paths of unix sockets to try to reach"`
	// Directories to plant this binary in and run it from, and to fill.
	Plant   []string `json:"plant,omitempty" jsonschema:"directories to write this binary into and run it from"`
	FillMiB int      `json:"fillMiB,omitempty" jsonschema:"MiB to try to write into each plant directory"`
}

type report struct {
	Attempts map[string]Attempt `json:"attempts"`
}

func main() {
	stubborn := len(os.Args) > 1 && os.Args[1] == "--stubborn"
	if stubborn {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		os.Args = os.Args[:1]
	}
	if len(os.Args) > 1 && os.Args[1] != "--http" {
		helper(os.Args[1], os.Args[2:])
		return
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "hostile", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "escape", Description: "Tries every way out of the sandbox and reports what worked."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in escapeIn) (*mcp.CallToolResult, report, error) {
			return nil, report{Attempts: escape(ctx, in)}, nil
		})
	if len(os.Args) == 3 { // --http ADDR: the same server over streamable HTTP at /mcp
		handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
		log.Fatal(http.ListenAndServe(os.Args[2], handler))
	}
	err := s.Run(context.Background(), &mcp.StdioTransport{})
	for stubborn {
		time.Sleep(time.Hour) // input over: stay anyway
	}
	if err != nil {
		log.Fatal(err)
	}
}

func escape(ctx context.Context, in escapeIn) map[string]Attempt {
	r := map[string]Attempt{}
	r["identity"] = Attempt{Worked: os.Getuid() == 0 || os.Getgid() == 0,
		Detail: fmt.Sprintf("uid=%d gid=%d euid=%d", os.Getuid(), os.Getgid(), os.Geteuid())}
	r["groups"] = groups()
	r["write_root"] = result(os.WriteFile("/escaped", []byte("x"), 0o644))
	r["write_tmp"] = result(os.WriteFile("/tmp/probe", []byte("x"), 0o644)) // control
	r["exec_tmp"] = execFromTmp()
	r["chown_root"] = result(os.Chown("/tmp/probe", 0, 0))
	r["net_ip"] = dial(in.Target)
	r["net_dns"] = lookup(ctx, in.Name)
	r["net_loopback"] = loopback() // control
	r["docker_sock"] = dockerSocket()
	r["raw_socket"] = rawSocket()
	r["mount"] = result(syscall.Mount("tmpfs", "/tmp", "tmpfs", 0, ""))
	r["setuid_syscall"] = result(syscall.Setuid(0))
	r["setuid_binary"] = setuidBinary()
	r["capabilities"] = capabilities()
	r["host_processes"] = hostProcesses()
	r["memory"] = hog(in.HogMiB)
	r["fork_bomb"] = forkBomb(in.ForkMax)
	for _, t := range in.Dial {
		r["dial "+t] = dial(t)
	}
	for _, u := range in.Fetch {
		r["fetch "+u] = fetch(ctx, u)
	}
	for _, f := range in.Read {
		b, err := os.ReadFile(f)
		r["read "+f] = Attempt{Worked: err == nil, Detail: string(b)}
		if err != nil {
			r["read "+f] = result(err)
		}
	}
	if in.DNSServer != "" {
		r["dns_direct"] = lookupAt(ctx, in.DNSServer, in.Name)
	}
	for _, p := range in.Unix {
		r["unix "+p] = unixConnect(p)
		r["unixgram "+p] = unixDatagram(p)
	}
	for _, d := range in.Plant {
		r["plant "+d] = plant(d)
		if in.FillMiB > 0 {
			r["fill "+d] = fill(d, in.FillMiB)
		}
	}
	return r
}

// groups reports the supplementary groups: any beyond the process's own
// group, or root's, is a group nobody gave it.
func groups() Attempt {
	gs, err := os.Getgroups()
	if err != nil {
		return result(err)
	}
	worked := false
	for _, g := range gs {
		worked = worked || g == 0 || g != os.Getgid()
	}
	return Attempt{Worked: worked, Detail: fmt.Sprintf("gid=%d groups=%v", os.Getgid(), gs)}
}

func unixConnect(path string) Attempt {
	c, err := net.DialTimeout("unix", path, 3*time.Second)
	if err != nil {
		return result(err)
	}
	defer c.Close()
	_, err = c.Write([]byte("hostile was here\n"))
	return Attempt{Worked: err == nil, Detail: "connected to " + path}
}

// unixDatagram sends to a datagram socket by address from one end of a
// socket pair: a way to a host socket without socket(2).
func unixDatagram(path string) Attempt {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return Attempt{Detail: "socketpair: " + err.Error()}
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	err = syscall.Sendto(fds[0], []byte("hostile was here\n"), 0, &syscall.SockaddrUnix{Name: path})
	if err != nil {
		return Attempt{Detail: "sendto: " + err.Error()}
	}
	return Attempt{Worked: true, Detail: "sent a datagram to " + path}
}

// plant writes a copy of this binary into dir and runs it.
func plant(dir string) Attempt {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return Attempt{Detail: "read self: " + err.Error()}
	}
	p := dir + "/planted"
	if err := os.WriteFile(p, self, 0o755); err != nil {
		return Attempt{Detail: "write: " + err.Error()}
	}
	if err := exec.Command(p, "euid").Run(); err != nil {
		return Attempt{Detail: "run: " + err.Error()}
	}
	return Attempt{Worked: true, Detail: "ran " + p}
}

// fill writes up to mib MiB into dir and reports how much it could.
func fill(dir string, mib int) Attempt {
	f, err := os.Create(dir + "/fill")
	if err != nil {
		return Attempt{Detail: "create: " + err.Error()}
	}
	defer os.Remove(f.Name())
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for i := 0; i < mib; i++ {
		if _, err := f.Write(chunk); err != nil {
			return Attempt{Detail: fmt.Sprintf("wrote %d MiB: %v", i, err)}
		}
	}
	return Attempt{Worked: true, Detail: fmt.Sprintf("wrote %d MiB", mib)}
}

// fetch GETs a URL with Go's default client, which honours HTTP(S)_PROXY.
func fetch(ctx context.Context, url string) Attempt {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return Attempt{Worked: resp.StatusCode == http.StatusOK, Detail: fmt.Sprintf("%d %s", resp.StatusCode, body.String())}
}

// lookupAt asks one DNS server for name directly, as an exfiltration would.
func lookupAt(ctx context.Context, server, name string) Attempt {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
	addrs, err := r.LookupHost(ctx, name)
	if err != nil {
		return result(err)
	}
	return Attempt{Worked: true, Detail: strings.Join(addrs, ",")}
}

func result(err error) Attempt {
	if err != nil {
		return Attempt{Detail: err.Error()}
	}
	return Attempt{Worked: true, Detail: "ok"}
}

func execFromTmp() Attempt {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return Attempt{Detail: "read self: " + err.Error()}
	}
	if err := os.WriteFile("/tmp/copy", self, 0o755); err != nil {
		return Attempt{Detail: "write: " + err.Error()}
	}
	return result(exec.Command("/tmp/copy", "euid").Run())
}

func dial(target string) Attempt {
	if target == "" {
		return Attempt{Detail: "no target given"}
	}
	c, err := net.DialTimeout("tcp", target, 3*time.Second)
	if err != nil {
		return result(err)
	}
	c.Close()
	return Attempt{Worked: true, Detail: "connected to " + target}
}

func lookup(ctx context.Context, name string) Attempt {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil {
		return result(err)
	}
	return Attempt{Worked: true, Detail: strings.Join(addrs, ",")}
}

func loopback() Attempt {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
		}
	}()
	return dial(l.Addr().String())
}

func dockerSocket() Attempt {
	var details []string
	for _, p := range []string{"/var/run/docker.sock", "/run/docker.sock"} {
		c, err := net.DialTimeout("unix", p, time.Second)
		if err == nil {
			c.Close()
			return Attempt{Worked: true, Detail: "connected to " + p}
		}
		details = append(details, err.Error())
	}
	return Attempt{Detail: strings.Join(details, "; ")}
}

func rawSocket() Attempt {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_ICMP)
	if err == nil {
		syscall.Close(fd)
	}
	return result(err)
}

func setuidBinary() Attempt {
	out, err := exec.Command("/suid", "euid").Output()
	if err != nil {
		return Attempt{Detail: "run /suid: " + err.Error()}
	}
	euid := strings.TrimSpace(string(out))
	return Attempt{Worked: euid == "0", Detail: "euid=" + euid}
}

func capabilities() Attempt {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return result(err)
	}
	var caps []string
	worked := false
	for _, line := range strings.Split(string(status), "\n") {
		for _, k := range []string{"CapEff:", "CapPrm:", "CapBnd:", "CapAmb:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				v = strings.TrimSpace(v)
				caps = append(caps, k+v)
				worked = worked || strings.Trim(v, "0") != ""
			}
		}
	}
	return Attempt{Worked: worked, Detail: strings.Join(caps, " ")}
}

// hostProcesses lists the processes this server can see: in its own PID
// namespace that is the sandbox's init and itself.
func hostProcesses() Attempt {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return result(err)
	}
	var seen []string
	foreign := false
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		name := string(bytes.SplitN(cmd, []byte{0}, 2)[0])
		seen = append(seen, e.Name()+":"+name)
		if name != "/sbin/docker-init" && name != "/server" && name != "/proc/self/exe" {
			foreign = true
		}
	}
	return Attempt{Worked: foreign, Detail: strings.Join(seen, " ")}
}

func hog(mib int) Attempt {
	if mib <= 0 {
		return Attempt{Detail: "no size given"}
	}
	out, err := exec.Command("/proc/self/exe", "hog", strconv.Itoa(mib)).CombinedOutput()
	if err != nil {
		return Attempt{Detail: err.Error() + ": " + lastLine(out)}
	}
	return Attempt{Worked: true, Detail: lastLine(out)}
}

// forkBomb runs the bomb in its own process group, so whatever it leaves is
// killed in one go afterwards and the server keeps room to answer.
func forkBomb(max int) Attempt {
	if max <= 0 {
		return Attempt{Detail: "no count given"}
	}
	cmd := exec.Command("/proc/self/exe", "forkbomb", strconv.Itoa(max))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		return Attempt{Detail: "start bomb: " + err.Error()}
	}
	err := cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	var res struct {
		Started int    `json:"started"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(out.Bytes(), &res) != nil {
		// The bomb itself died, typically unable to make a thread.
		return Attempt{Detail: fmt.Sprintf("bomb died (%v): %s", err, firstLine(errOut.Bytes()))}
	}
	return Attempt{Worked: res.Started >= max, Detail: fmt.Sprintf("started %d of %d: %s", res.Started, max, res.Error)}
}

// helper runs one of the child-process modes.
func helper(mode string, args []string) {
	arg := 0
	if len(args) > 0 {
		arg, _ = strconv.Atoi(args[0])
	}
	switch mode {
	case "swap": // DIR: exchange DIR/proj and a link to /etc, over and over, until killed
		os.Symlink("/etc", args[0]+"/evil")
		for {
			unix.Renameat2(unix.AT_FDCWD, args[0]+"/proj", unix.AT_FDCWD, args[0]+"/evil", unix.RENAME_EXCHANGE)
		}
	case "ls": // DIR: print the names in it, a line each
		entries, err := os.ReadDir(args[0])
		if err != nil {
			fmt.Println("error:", err)
		}
		for _, e := range entries {
			fmt.Println(e.Name())
		}
	case "groups": // print the groups the process runs with
		fmt.Println(groups().Detail)
	case "unix": // PATH...: each socket by connect and by datagram, one JSON attempt a line
		for _, p := range args {
			for _, a := range []Attempt{unixConnect(p), unixDatagram(p)} {
				b, _ := json.Marshal(a)
				fmt.Println(string(b))
			}
		}
	case "sleep":
		time.Sleep(time.Duration(arg) * time.Second)
	case "euid":
		fmt.Println(os.Geteuid())
	case "hog":
		var keep [][]byte
		for i := range arg {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			keep = append(keep, b)
			if i%16 == 0 {
				fmt.Println("allocated MiB:", i+1)
			}
		}
		fmt.Println("allocated MiB:", len(keep))
	case "forkbomb":
		started, err := 0, error(nil)
		var kids []*os.Process
		for started < arg {
			c := exec.Command("/proc/self/exe", "sleep", "5")
			if err = c.Start(); err != nil {
				break
			}
			kids = append(kids, c.Process)
			started++
		}
		for _, k := range kids {
			k.Kill()
		}
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		json.NewEncoder(os.Stdout).Encode(map[string]any{"started": started, "error": msg})
	case "probe-net":
		target := ""
		if len(args) > 0 {
			target = args[0]
		}
		json.NewEncoder(os.Stdout).Encode(dial(target))
	case "probe-dns": // SERVER NAME: one direct query, for a positive control
		if len(args) == 2 {
			json.NewEncoder(os.Stdout).Encode(lookupAt(context.Background(), args[0], args[1]))
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}
