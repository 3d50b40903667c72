package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
)

// jsonNode is the binary started with JSON logs on stderr, every line kept.
type jsonNode struct {
	*runningNode
	mu   sync.Mutex
	logs []map[string]any
}

// startJSONNode starts the node (regtestFlags) with JSON logs and its data
// in a temporary directory; extra flags go last.
func startJSONNode(t *testing.T, extra ...string) *jsonNode {
	t.Helper()
	args := append(append(regtestFlags(t.TempDir()), "-logformat=json"), extra...)
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &jsonNode{}
	// Registered first, so it runs once the process has been killed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%v log:\n%v", args, n.lines())
		}
	})
	n.runningNode = startProcess(t, cmd, func() {
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
	var m map[string]any
	actortest.Eventually(t, 20*time.Second, "a "+msg+" line", func() bool {
		if m = n.find(msg); m != nil {
			return true
		}
		if n.exited() {
			t.Fatalf("the node exited (%v) before logging %q", n.cmd.ProcessState, msg)
		}
		return false
	})
	return m
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
		n.stopBySignal(t, syscall.SIGINT)
	}
}

// stopBySignal sends sig to the node and checks that it stops in order:
// exit code 0, "shutting down", "saved address book" and "node stopped"
// logged in that order, and no line at warn or error nor one that is not
// JSON. The node's stop gives its actors shutdowntimeout and exits with
// code 1 when they overrun it, so exit code 0 says they stopped within it;
// waitExit's deadline only bounds a hung test.
func (n *jsonNode) stopBySignal(t *testing.T, sig os.Signal) {
	t.Helper()
	n.terminate(t, sig)
	lines := n.lines()
	next := 0 // where the next expected line may start
	for _, msg := range []string{"shutting down", "saved address book", "node stopped"} {
		i := slices.IndexFunc(lines[next:], func(m map[string]any) bool { return m["msg"] == msg })
		if i < 0 {
			t.Errorf("no %q line after %v, or not in order", msg, sig)
			continue
		}
		next += i + 1
	}
	for _, m := range lines {
		if lvl := m["level"]; lvl == "error" || lvl == "warn" || m["unparsed"] != nil {
			t.Errorf("stopping logged %v", m)
		}
	}
}
