package node_test

import (
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// loggedNode starts a node logging JSON, as -logformat=json does, with
// the debug categories given (-debug=...).
func loggedNode(t *testing.T, connect []string, debug ...string) (*node.Node, *logBuffer) {
	t.Helper()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = connect
	cfg.FeelerInterval = 0
	logs := &logBuffer{}
	return nodetest.Start(t, cfg, node.WithLogger(logs.logger(debug...))), logs
}

// TestConnectionsLoggedAtInfoOutboundOnly: like Core, outbound connections
// are logged at Info, inbound ones (anybody can open them by the thousand)
// only at Debug, so only with -debug=net. One node dials two listeners,
// one of them with -debug=net.
func TestConnectionsLoggedAtInfoOutboundOnly(t *testing.T) {
	quiet, quietLog := loggedNode(t, nil)
	verbose, verboseLog := loggedNode(t, nil, "net")
	_, dialLog := loggedNode(t, []string{
		nodetest.ListenAddr(t, quiet).String(), nodetest.ListenAddr(t, verbose).String()})
	for _, n := range []*node.Node{quiet, verbose} {
		nodetest.Eventually(t, 10*time.Second, "the inbound peer handshaken", func() bool {
			return nodetest.HandshakenCount(t, n) == 1
		})
	}
	// The peer logs its handshake before it answers for its info, so the
	// lines of both listeners are written by now.
	nodetest.Eventually(t, 10*time.Second, "the dialer's two handshakes logged", func() bool {
		return len(dialLog.lines(t, "handshake complete")) == 2
	})

	for _, msg := range []string{"connecting", "connected", "handshake complete"} {
		lines := dialLog.lines(t, msg)
		if len(lines) != 2 {
			t.Errorf("dialer: %d %q lines, want 2 (one per outbound connection)", len(lines), msg)
		}
		for _, l := range lines {
			if l["level"] != "info" {
				t.Errorf("dialer: outbound %q at %v, want info: %v", msg, l["level"], l)
			}
		}
	}
	for _, msg := range []string{"accepted", "handshake complete"} {
		if lines := quietLog.lines(t, msg); len(lines) != 0 {
			t.Errorf("listener without -debug=net logged the inbound connection: %v", lines)
		}
		lines := verboseLog.lines(t, msg)
		if len(lines) != 1 || lines[0]["level"] != "debug" {
			t.Errorf("listener with -debug=net: %q lines %v, want one at debug", msg, lines)
		}
		if msg == "handshake complete" && len(lines) == 1 && lines[0]["inbound"] != true {
			t.Errorf("listener with -debug=net: %v, want inbound true", lines[0])
		}
	}
}
