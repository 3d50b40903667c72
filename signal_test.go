package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jsonNode is the binary started with JSON logs on stderr, every line kept.
type jsonNode struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	logs []map[string]any
}

// startJSONNode starts the node on regtest, loopback, no seeds, JSON logs,
// with its data in a temporary directory; extra flags go last.
func startJSONNode(t *testing.T, extra ...string) *jsonNode {
	t.Helper()
	args := append([]string{"-regtest", "-datadir=" + t.TempDir(), "-bind=127.0.0.1:0", "-debugaddr=off",
		"-dnsseed=0", "-fixedseeds=0", "-discover=0", "-logformat=json"}, extra...)
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &jsonNode{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsed": sc.Text()}
			}
			n.mu.Lock()
			n.logs = append(n.logs, m)
			n.mu.Unlock()
		}
		_ = cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-n.done
		if t.Failed() {
			t.Logf("%v log:\n%v", args, n.lines())
		}
	})
	return n
}

func (n *jsonNode) lines() []map[string]any {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]map[string]any(nil), n.logs...)
}

// find returns the first line with message msg, or nil.
func (n *jsonNode) find(msg string) map[string]any {
	for _, m := range n.lines() {
		if m["msg"] == msg {
			return m
		}
	}
	return nil
}

// waitLine waits for a line with message msg while the node runs.
func (n *jsonNode) waitLine(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := n.find(msg); m != nil {
			return m
		}
		select {
		case <-n.done:
			t.Fatalf("the node exited (%v) before logging %q", n.cmd.ProcessState, msg)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q line within 20s", msg)
		}
	}
}

// waitExit waits for the process to end and returns its exit code.
func (n *jsonNode) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not exit within 30s")
	}
	return n.cmd.ProcessState.ExitCode()
}

// Ctrl-C with peers connected: SIGINT stops each end of a handshaken
// connection in order, the address book saved, with exit code 0. The
// node's stop gives its actors shutdowntimeout (5 s by default) and
// exits with code 1 ("actors still running") when they overrun it, so
// exit code 0 is the measure that they stopped within it.
func TestCtrlCStopsNodesWithPeers(t *testing.T) {
	a := startJSONNode(t)
	listen, _ := a.waitLine(t, "listening")["addr"].(string)
	if listen == "" {
		t.Fatal("the listening line has no addr")
	}
	b := startJSONNode(t, "-connect="+listen)
	b.waitLine(t, "handshake complete")

	for _, n := range []*jsonNode{a, b} { // a first: it stops with an inbound peer
		if err := n.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code := n.waitExit(t); code != 0 {
			t.Errorf("exit code %d after SIGINT, want 0", code)
		}
		for _, msg := range []string{"shutting down", "saved address book", "node stopped"} {
			if n.find(msg) == nil {
				t.Errorf("no %q line after SIGINT", msg)
			}
		}
		for _, m := range n.lines() {
			if lvl := m["level"]; lvl == "error" || lvl == "warn" || m["unparsed"] != nil {
				t.Errorf("stopping logged %v", m)
			}
		}
	}
}
