package nat_test

// The gateway harness: three network namespaces made by the test, all
// addresses in RFC 5737 documentation ranges,
//
//	<p>l (the node)            <p>g (miniupnpd + nftables)          <p>w ("internet")
//	lan0 198.51.100.2/24 <---> gwl 198.51.100.1/24
//	                           gww 203.0.113.1/24   <--------------> wan0 203.0.113.2/24
//
// The node runs as the actornode binary under "ip netns exec"; the test's
// own sockets are made inside a namespace by switching one locked OS
// thread into it (withNetns). Nothing is sent outside these namespaces;
// the gateway's declared public address (1.2.3.4) is only a value.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"text/template"
	"time"

	"golang.org/x/sys/unix"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/nat"
)

// Addresses inside the namespaces.
var (
	lanIP    = netip.MustParseAddr("198.51.100.2")
	lanIP2   = netip.MustParseAddr("198.51.100.3")
	gwLANIP  = netip.MustParseAddr("198.51.100.1")
	gwWANIP  = netip.MustParseAddr("203.0.113.1")
	wanIP    = netip.MustParseAddr("203.0.113.2")
	publicIP = netip.MustParseAddr("1.2.3.4")
)

const (
	nodePort  = 18444
	debugPort = 18445
	igdPort   = 2189
	// cmdTimeout bounds every helper command (ip, nft, ss).
	cmdTimeout = 10 * time.Second
)

// env is what TestMain found: the node binary, or why the gateway tests
// cannot run here.
var env struct {
	binary string
	skip   string
}

var nsCounter atomic.Int32

func TestMain(m *testing.M) {
	code := func() int {
		if reason := gatewayPrereqs(); reason != "" {
			env.skip = reason
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "actornode-nat-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "nat tests:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		env.binary = filepath.Join(dir, "actornode")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", env.binary, "github.com/actornode/actornode").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "nat tests: build the node: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// gatewayPrereqs says why the namespace tests cannot run, or "".
func gatewayPrereqs() string {
	if runtime.GOOS != "linux" {
		return "network namespaces need Linux"
	}
	if os.Geteuid() != 0 {
		return "needs root for network namespaces and nftables (CI runs as root)"
	}
	for _, tool := range []string{"ip", "nft", "miniupnpd", "ss", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + tool); err2 != nil {
				return fmt.Sprintf("needs %s (apt-get install -y miniupnpd nftables iproute2)", tool)
			}
		}
	}
	return ""
}

func requireGatewayEnv(t *testing.T) {
	t.Helper()
	if env.skip != "" {
		t.Skip("skipping gateway test: " + env.skip)
	}
}

func tool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return "/usr/sbin/" + name
}

// run runs a helper command, bounded by cmdTimeout, and returns its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(name), args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gwOptions shapes a test network.
type gwOptions struct {
	// extIP is the public address miniupnpd declares; "" declares none
	// (the WAN address is reserved, so mapping is refused).
	extIP string
	// upnp turns miniupnpd's UPnP IGD (and SSDP) on.
	upnp bool
	// noDaemon leaves miniupnpd out: a gateway that maps nothing.
	noDaemon bool
	// noDefaultRoute leaves the node's namespace without a default route.
	noDefaultRoute bool
	// nft are extra rule files of testdata to load in the gateway.
	nft []string
}

// testNet is one set of namespaces and, unless noDaemon, a miniupnpd.
type testNet struct {
	lan, gw, wan string
	dir          string
	daemon       *exec.Cmd
	daemonDone   chan struct{}
	daemonLog    string
}

func newTestNet(t *testing.T, o gwOptions) *testNet {
	t.Helper()
	requireGatewayEnv(t)
	p := fmt.Sprintf("an%d_%d", os.Getpid()%100000, nsCounter.Add(1))
	n := &testNet{lan: p + "l", gw: p + "g", wan: p + "w", dir: t.TempDir()}
	t.Cleanup(func() { n.teardown(t) })
	for _, ns := range []string{n.lan, n.gw, n.wan} {
		run(t, "ip", "netns", "add", ns)
		run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	run(t, "ip", "link", "add", "gwl", "netns", n.gw, "type", "veth", "peer", "name", "lan0", "netns", n.lan)
	run(t, "ip", "link", "add", "gww", "netns", n.gw, "type", "veth", "peer", "name", "wan0", "netns", n.wan)
	run(t, "ip", "-n", n.gw, "addr", "add", gwLANIP.String()+"/24", "dev", "gwl")
	run(t, "ip", "-n", n.gw, "addr", "add", gwWANIP.String()+"/24", "dev", "gww")
	run(t, "ip", "-n", n.lan, "addr", "add", lanIP.String()+"/24", "dev", "lan0")
	run(t, "ip", "-n", n.lan, "addr", "add", lanIP2.String()+"/24", "dev", "lan0")
	run(t, "ip", "-n", n.wan, "addr", "add", wanIP.String()+"/24", "dev", "wan0")
	for _, l := range []struct{ ns, dev string }{{n.gw, "gwl"}, {n.gw, "gww"}, {n.lan, "lan0"}, {n.wan, "wan0"}} {
		run(t, "ip", "-n", l.ns, "link", "set", l.dev, "up")
	}
	if !o.noDefaultRoute {
		// Also the route the SSDP multicast search leaves by.
		run(t, "ip", "-n", n.lan, "route", "add", "default", "via", gwLANIP.String())
	}
	run(t, "ip", "-n", n.wan, "route", "add", "default", "via", gwWANIP.String())
	run(t, "ip", "netns", "exec", n.gw, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	run(t, "ip", "netns", "exec", n.gw, tool("nft"), "-f", filepath.Join("testdata", "gateway.nft"))
	for _, f := range o.nft {
		run(t, "ip", "netns", "exec", n.gw, tool("nft"), "-f", filepath.Join("testdata", f))
	}
	if !o.noDaemon {
		n.startDaemon(t, o)
	}
	return n
}

func (n *testNet) startDaemon(t *testing.T, o gwOptions) {
	t.Helper()
	tmpl := template.Must(template.ParseFiles(filepath.Join("testdata", "miniupnpd.conf.tmpl")))
	var conf bytes.Buffer
	if err := tmpl.Execute(&conf, map[string]any{"ExtIP": o.extIP, "HTTPPort": igdPort, "UPnP": o.upnp, "Dir": n.dir}); err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(n.dir, "miniupnpd.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	n.daemonLog = filepath.Join(n.dir, "miniupnpd.log")
	logf, err := os.Create(n.daemonLog)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// ip netns exec runs miniupnpd in its place: the process is the daemon.
	// -d: foreground, debug log; -P: a pid file of our own.
	n.daemon = exec.Command(tool("ip"), "netns", "exec", n.gw, tool("miniupnpd"),
		"-f", confPath, "-P", filepath.Join(n.dir, "miniupnpd.pid"), "-d")
	n.daemon.Stdout, n.daemon.Stderr = logf, logf
	if err := n.daemon.Start(); err != nil {
		t.Fatalf("start miniupnpd: %v", err)
	}
	n.daemonDone = make(chan struct{})
	go func() { _ = n.daemon.Wait(); close(n.daemonDone) }()
	// Ready when NAT-PMP/PCP (udp 5351) and, with UPnP, HTTP are bound.
	deadline := time.Now().Add(5 * time.Second)
	for {
		udp, _ := runErr("ip", "netns", "exec", n.gw, tool("ss"), "-Hlnu", "sport = :5351")
		tcp := "up"
		if o.upnp {
			tcp, _ = runErr("ip", "netns", "exec", n.gw, tool("ss"), "-Hlnt", fmt.Sprintf("sport = :%d", igdPort))
		}
		if strings.TrimSpace(udp) != "" && strings.TrimSpace(tcp) != "" {
			return
		}
		select {
		case <-n.daemonDone:
			t.Fatalf("miniupnpd exited at start:\n%s", readTail(n.daemonLog, 40))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("miniupnpd not listening within 5s:\n%s", readTail(n.daemonLog, 40))
		}
	}
}

// teardown stops our daemon and deletes our namespaces (which takes their
// interfaces and nftables rules with them). Safe to run more than once.
func (n *testNet) teardown(t *testing.T) {
	n.stopDaemon(t)
	for _, ns := range []string{n.lan, n.gw, n.wan} {
		// Anything of ours still running in it (a node that did not stop).
		if out, err := runErr("ip", "netns", "pids", ns); err == nil {
			for _, f := range strings.Fields(out) {
				var pid int
				if _, err := fmt.Sscan(f, &pid); err == nil && pid > 1 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		_, _ = runErr("ip", "netns", "del", ns)
	}
}

// stopDaemon stops miniupnpd (SIGTERM, then SIGKILL after 3 s).
func (n *testNet) stopDaemon(t *testing.T) {
	if n.daemon == nil || n.daemon.Process == nil {
		return
	}
	_ = n.daemon.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.daemonDone:
	case <-time.After(3 * time.Second):
		_ = n.daemon.Process.Kill()
		<-n.daemonDone
	}
	if t.Failed() {
		t.Logf("miniupnpd log (tail):\n%s", readTail(n.daemonLog, 30))
	}
	n.daemon = nil
}

// ruleset is the gateway's nftables ruleset.
func (n *testNet) ruleset(t *testing.T) string {
	t.Helper()
	return run(t, "ip", "netns", "exec", n.gw, tool("nft"), "list", "ruleset")
}

// hasDNAT tells whether the gateway forwards external TCP port ext to
// the node's listening port.
func (n *testNet) hasDNAT(t *testing.T, ext uint16) bool {
	t.Helper()
	for _, line := range strings.Split(n.ruleset(t), "\n") {
		if strings.Contains(line, fmt.Sprintf("dport %d ", ext)) &&
			strings.Contains(line, fmt.Sprintf("dnat ip to %s:%d", lanIP, nodePort)) {
			return true
		}
	}
	return false
}

// withNetns runs fn on the calling goroutine with its OS thread moved into
// namespace ns; sockets fn creates belong to ns for good. The thread is
// moved back before it is unlocked.
func withNetns(t *testing.T, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open own netns: %v", err)
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open netns %s: %v", ns, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("enter netns %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: it dies with this goroutine.
			panic(fmt.Sprintf("leave netns %s: %v", ns, err))
		}
		runtime.UnlockOSThread()
	}()
	fn()
}

// nsHTTPClient dials from inside ns.
func nsHTTPClient(t *testing.T, ns string) *http.Client {
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				var c net.Conn
				var err error
				done := make(chan struct{})
				go func() {
					defer close(done)
					withNetns(t, ns, func() { c, err = (&net.Dialer{}).DialContext(ctx, network, addr) })
				}()
				<-done
				return c, err
			},
		},
	}
}

// node is the actornode binary running in the LAN namespace.
type node struct {
	net  *testNet
	cmd  *exec.Cmd
	done chan struct{}
	log  string
	http *http.Client
}

// startNode runs the node in n's LAN namespace, listening on
// 198.51.100.2:18444 with its debug endpoint beside it, plus args.
func startNode(t *testing.T, n *testNet, args ...string) *node {
	t.Helper()
	dir := t.TempDir()
	base := []string{"netns", "exec", n.lan, env.binary, "-regtest", "-dnsseed=0", "-fixedseeds=0",
		"-datadir=" + dir, "-debug=net",
		fmt.Sprintf("-bind=%s:%d", lanIP, nodePort), fmt.Sprintf("-debugaddr=%s:%d", lanIP, debugPort),
		"-debugallowip=" + lanIP.String()} // the test's client is in the namespace, at lanIP
	nd := &node{net: n, done: make(chan struct{}), log: filepath.Join(dir, "node.log"), http: nsHTTPClient(t, n.lan)}
	logf, err := os.Create(nd.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	nd.cmd = exec.Command(tool("ip"), append(base, args...)...)
	nd.cmd.Stdout, nd.cmd.Stderr = logf, logf
	if err := nd.cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	go func() { _ = nd.cmd.Wait(); close(nd.done) }()
	t.Cleanup(func() {
		nd.stop(t)
		if t.Failed() {
			t.Logf("node log (tail):\n%s", readTail(nd.log, 60))
		}
	})
	// Up when the debug endpoint answers.
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := nd.status(); err == nil {
			return nd
		}
		select {
		case <-nd.done:
			t.Fatalf("node exited at start:\n%s", readTail(nd.log, 40))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("node's debug endpoint not up within 15s:\n%s", readTail(nd.log, 40))
		}
	}
}

// stop sends SIGTERM and waits (bounded) for the node to exit; it reports
// whether the node exited cleanly.
func (nd *node) stop(t *testing.T) {
	t.Helper()
	if nd.cmd.ProcessState != nil {
		return
	}
	_ = nd.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-nd.done:
	case <-time.After(10 * time.Second):
		_ = nd.cmd.Process.Kill()
		<-nd.done
		t.Errorf("node did not stop within 10s of SIGTERM")
		return
	}
	if code := nd.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("node exited with %d", code)
	}
}

func (nd *node) get(path string, v any) error {
	resp, err := nd.http.Get(fmt.Sprintf("http://%s:%d%s", lanIP, debugPort, path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

func (nd *node) status() (*nat.Status, error) {
	var st nat.Status
	err := nd.get("/debug/nat", &st)
	return &st, err
}

// waitStatus polls /debug/nat until cond holds, failing after timeout.
func (nd *node) waitStatus(t *testing.T, timeout time.Duration, what string, cond func(*nat.Status) bool) *nat.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *nat.Status
	var lastErr error
	for time.Now().Before(deadline) {
		st, err := nd.status()
		if err == nil && cond(st) {
			return st
		}
		last, lastErr = st, err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v; last /debug/nat %+v (err %v)", what, timeout, last, lastErr)
	return nil
}

// logContains reports whether the node's log has a line with all of subs.
func (nd *node) logContains(subs ...string) bool {
	f, err := os.Open(nd.log)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		ok := true
		for _, s := range subs {
			if !strings.Contains(sc.Text(), s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func readTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	actortest.Eventually(t, timeout, what, cond)
}
