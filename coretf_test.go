package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
)

// Bitcoin Core's own test client against the node: each scenario in
// testdata/coretf is a Python script of ours, modelled on one of Core's
// functional tests (test/functional/p2p_*.py), that drives the node through
// the P2PInterface and NetworkThread of Core's framework and checks the
// reactions Core has. The framework is not in this repository: it lives
// beside the clone at ../shared/core-tf.

// coreFramework finds Core's functional-test framework and python3, or
// skips the test with the reason.
func coreFramework(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: the Core framework scenarios need it")
	}
	for _, dir := range []string{filepath.Join("..", "shared", "core-tf"), "/work/shared/core-tf"} {
		if _, err := os.Stat(filepath.Join(dir, "test_framework", "p2p.py")); err == nil {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Skip("Bitcoin Core's test framework not found at ../shared/core-tf")
	return ""
}

var listeningLine = regexp.MustCompile(`net\.connmgr\s+listening\s+\{"addr": "127\.0\.0\.1:(\d+)"\}`)

// freePorts reserves n loopback ports the kernel says are free, for a
// scenario's second listener or its own.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var ports []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startListeningNode starts the binary on regtest with extra flags and
// returns the port it listens on (127.0.0.1, a free port the kernel chose;
// not one of the ports in other) and the path of its log.
func startListeningNode(t *testing.T, other []string, extra ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	// -v2transport=0 as Core's framework starts its nodes (test_node.py)
	// unless a test asks for v2: these scripts speak v1, some of them
	// starting with a message other than version, which a v2-capable
	// node rightly takes for a v2 key (actors/node's tests cover v2).
	r := startBinary(t, dir, nil, append([]string{"-debug=net", "-v2transport=0"}, extra...)...)
	logPath := filepath.Join(dir, "regtest", "node.log")
	var port string
	actortest.Eventually(t, 20*time.Second, "the node to log its listening address", func() bool {
		if r.exited() {
			t.Fatalf("the node exited (%v) before listening", r.cmd.ProcessState)
		}
		data, _ := os.ReadFile(logPath)
		for _, m := range listeningLine.FindAllSubmatch(data, -1) {
			if !slices.Contains(other, string(m[1])) {
				port = string(m[1])
				return true
			}
		}
		return false
	})
	return port, logPath
}

// TestCoreFrameworkScenarios runs each scenario against a node of its own,
// started with the flags the scenario needs (short timers where Core's test
// sets -peertimeout or mocks the clock).
func TestCoreFrameworkScenarios(t *testing.T) {
	tf := coreFramework(t)
	fixed := func(flags ...string) func([]string) []string { return func([]string) []string { return flags } }
	scenarios := []struct {
		script string
		ports  int                     // free ports reserved, passed to the script after the node's
		flags  func([]string) []string // the node's flags, given those ports
		// listenFirst: the script listens before the node starts, and
		// the node listens on the first reserved port (the script's
		// node port).
		listenFirst bool
	}{
		{"p2p_ping.py", 0, fixed("-pinginterval=1s", "-pingtimeout=3s"), false},
		{"p2p_timeouts.py", 0, fixed("-handshaketimeout=3s"), false},
		{"p2p_leak.py", 0, fixed("-handshaketimeout=3s"), false},
		{"p2p_invalid_messages.py", 0, fixed(), false},
		{"p2p_nobloomfilter_messages.py", 0, fixed(), false},
		{"p2p_getheaders.py", 0, fixed(), false},
		{"p2p_getdata.py", 0, fixed(), false},
		{"p2p_headers_sync.py", 0, fixed(), false},
		{"p2p_initial_headers_sync.py", 0, fixed(), false},
		{"p2p_headers_announce.py", 0, fixed(), false},
		{"p2p_headers_invalid.py", 0, fixed(), false},
		{"p2p_headers_presync.py", 0, fixed(), false},
		{"p2p_compactblocks_headers.py", 0, fixed(), false},
		{"p2p_addrv2_relay.py", 0, fixed(), false},
		{"p2p_halfopen.py", 0, fixed(), false},
		// A second listening socket, and the script's own listener the
		// node dials as a manual peer to learn addresses from.
		{"p2p_getaddr_caching.py", 2, func(p []string) []string {
			return []string{"-bind=127.0.0.1:" + p[0], "-addnode=127.0.0.1:" + p[1]}
		}, false},
		// Outbound connections: two -seednode listeners of the script's.
		{"p2p_handshake.py", 3, func(p []string) []string {
			return []string{"-bind=127.0.0.1:" + p[0], "-seednode=127.0.0.1:" + p[1], "-seednode=127.0.0.1:" + p[2]}
		}, true},
	}
	for _, sc := range scenarios {
		t.Run(strings.TrimSuffix(sc.script, ".py"), func(t *testing.T) {
			ports := freePorts(t, sc.ports)
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			var port, logPath string
			if !sc.listenFirst {
				port, logPath = startListeningNode(t, ports, sc.flags(ports)...)
			} else {
				// The node listens on the first reserved port too.
				port, ports = ports[0], ports[1:]
			}
			args := append([]string{filepath.Join("testdata", "coretf", sc.script), "127.0.0.1", port}, ports...)
			cmd := exec.CommandContext(ctx, "python3", args...)
			cmd.Env = append(os.Environ(), "PYTHONPATH="+tf+string(os.PathListSeparator)+filepath.Join("testdata", "coretf"),
				"PYTHONDONTWRITEBYTECODE=1")
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if sc.listenFirst {
				// The script's listeners are up before the node dials
				// them (a -seednode is dialled once).
				actortest.Eventually(t, 20*time.Second, "the scenario's listeners", func() bool {
					return strings.Contains(out.String(), "ok: our listeners are up")
				})
				_, logPath = startListeningNode(t, nil, sc.flags(append([]string{port}, ports...))...)
			}
			err := <-done
			if err != nil {
				nodeLog, _ := os.ReadFile(logPath)
				t.Fatalf("%s: %v\n--- scenario output\n%s\n--- node log\n%s", sc.script, err, out.String(), tail(string(nodeLog), 80))
			}
			t.Logf("%s", out.String())
		})
	}
}

// lockedBuffer is the scenario's output, written by exec's copier and read
// by the test while the script runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
