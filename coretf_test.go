package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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

// startListeningNode starts the binary on regtest with extra flags and
// returns the port it listens on (127.0.0.1, a free port the kernel chose)
// and the path of its log.
func startListeningNode(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	r := startBinary(t, dir, nil, append([]string{"-debug=net"}, extra...)...)
	logPath := filepath.Join(dir, "regtest", "node.log")
	var port string
	actortest.Eventually(t, 20*time.Second, "the node to log its listening address", func() bool {
		if r.exited() {
			t.Fatalf("the node exited (%v) before listening", r.cmd.ProcessState)
		}
		data, _ := os.ReadFile(logPath)
		if m := listeningLine.FindSubmatch(data); m != nil {
			port = string(m[1])
			return true
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
	scenarios := []struct {
		script string
		flags  []string
	}{
		{"p2p_ping.py", []string{"-pinginterval=1s", "-pingtimeout=3s"}},
		{"p2p_timeouts.py", []string{"-handshaketimeout=3s"}},
		{"p2p_leak.py", []string{"-handshaketimeout=3s"}},
		{"p2p_invalid_messages.py", nil},
		{"p2p_nobloomfilter_messages.py", nil},
		{"p2p_getheaders.py", nil},
		{"p2p_getaddr_caching.py", nil},
	}
	for _, sc := range scenarios {
		t.Run(strings.TrimSuffix(sc.script, ".py"), func(t *testing.T) {
			port, logPath := startListeningNode(t, sc.flags...)
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "python3", filepath.Join("testdata", "coretf", sc.script), "127.0.0.1", port)
			cmd.Env = append(os.Environ(), "PYTHONPATH="+tf+string(os.PathListSeparator)+filepath.Join("testdata", "coretf"),
				"PYTHONDONTWRITEBYTECODE=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				nodeLog, _ := os.ReadFile(logPath)
				t.Fatalf("%s: %v\n--- scenario output\n%s\n--- node log\n%s", sc.script, err, out, tail(string(nodeLog), 80))
			}
			t.Logf("%s", out)
		})
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
