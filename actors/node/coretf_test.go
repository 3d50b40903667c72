package node_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
)

// Interop with Bitcoin Core's functional-test framework (P2PInterface, with
// its own BIP324), run by testdata/coretf_peer.py. The framework lives
// beside the clone at ../shared/core-tf (here /work/shared/core-tf); without
// it or python3 these tests skip, except under CI.

// coreTF finds Core's functional-test framework.
func coreTF(t *testing.T) string {
	t.Helper()
	skip := t.Skip
	if os.Getenv("CI") != "" {
		skip = t.Fatal
	}
	if _, err := exec.LookPath("python3"); err != nil {
		skip("python3 not found: the Core framework tests need it")
	}
	for _, dir := range []string{filepath.Join("..", "..", "..", "shared", "core-tf"), "/work/shared/core-tf"} {
		if _, err := os.Stat(filepath.Join(dir, "test_framework", "p2p.py")); err == nil {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	skip("Bitcoin Core's test framework (shared/core-tf) not found beside the repository")
	return ""
}

// tfPeer is one run of coretf_peer.py.
type tfPeer struct {
	lines chan string
	stdin io.WriteCloser
	log   strings.Builder
}

// startTFPeer runs coretf_peer.py with args; it ends with the test.
func startTFPeer(t *testing.T, args ...string) *tfPeer {
	t.Helper()
	tf := coreTF(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join("testdata", "coretf_peer.py")}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+tf, "PYTHONDONTWRITEBYTECODE=1")
	p := &tfPeer{lines: make(chan string, 16)}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errDone := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.WriteString(sc.Text() + "\n")
		}
		close(errDone)
	}()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		err := cmd.Wait()
		<-errDone
		cancel()
		if err != nil || t.Failed() {
			t.Logf("coretf_peer.py %v: %v\n%s", args, err, p.log.String())
		}
	})
	return p
}

// expect waits for a line starting with prefix and returns its rest.
func (p *tfPeer) expect(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("coretf_peer.py ended before %q", prefix)
			}
			if rest, found := strings.CutPrefix(l, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-deadline:
			t.Fatalf("coretf_peer.py: no %q within a minute", prefix)
		}
	}
}

// tfPeerInfo waits for the node's handshaken peer matching match and
// returns it.
func tfPeerInfo(t *testing.T, n *node.Node, what string, match func(*peer.Info) bool) *peer.Info {
	t.Helper()
	var got *peer.Info
	nodetest.Eventually(t, 20*time.Second, what, func() bool {
		ps := nodetest.Handshaken(nodetest.Peers(t, n), match)
		if len(ps) == 1 {
			got = ps[0]
		}
		return got != nil
	})
	return got
}

// TestCoreFrameworkConnectsV1AndV2: Core's P2PInterface connects to the
// node over v2 (supports_v2_p2p) and over v1, on the same port: each
// completes the handshake, a ping and getaddr; getpeerinfo says v2 with the
// framework's own session id, and v1 with none.
func TestCoreFrameworkConnectsV1AndV2(t *testing.T) {
	t.Parallel()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	n := nodetest.Start(t, cfg)
	addToBook(t, n, "127.0.0.55:18444", "127.0.0.56:18444")
	ours := nodetest.ListenAddr(t, n)
	port := fmt.Sprint(ours.Port())

	v2 := startTFPeer(t, "connect", "127.0.0.1", port, "v2")
	sid := v2.expect(t, "OK")
	if len(sid) != 64 {
		t.Fatalf("framework's session id %q", sid)
	}
	p := tfPeerInfo(t, n, "the framework's v2 peer", func(p *peer.Info) bool { return p.Inbound && p.TransportProtocolType == "v2" })
	if p.SessionID != sid {
		t.Fatalf("getpeerinfo session id %q, framework's %q", p.SessionID, sid)
	}

	v1 := startTFPeer(t, "connect", "127.0.0.1", port, "v1")
	if got := v1.expect(t, "OK"); got != "-" {
		t.Fatalf("v1 run reported %q", got)
	}
	p1 := tfPeerInfo(t, n, "the framework's v1 peer", func(p *peer.Info) bool { return p.Inbound && p.TransportProtocolType == "v1" })
	if p1.SessionID != "" {
		t.Fatalf("v1 peer with session id %q", p1.SessionID)
	}
}

// TestCoreFrameworkAcceptsOurV2: the node dials a listener built on Core's
// P2PInterface (supports_v2_p2p) with -connect: v2 first, as Core dials a
// manual peer; the handshake, a ping each way, and getpeerinfo says v2 with
// the framework's session id.
func TestCoreFrameworkAcceptsOurV2(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	py := startTFPeer(t, "listen", fmt.Sprint(port), "v2")
	py.expect(t, "LISTENING")
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = []string{fmt.Sprintf("127.0.0.1:%d", port)}
	n := nodetest.Start(t, cfg)
	sid := py.expect(t, "OK")
	p := tfPeerInfo(t, n, "our v2 connection to the framework", func(p *peer.Info) bool { return !p.Inbound && p.PingTime > 0 })
	if p.TransportProtocolType != "v2" || p.SessionID != sid {
		t.Fatalf("getpeerinfo %s %q, framework's session id %q", p.TransportProtocolType, p.SessionID, sid)
	}
}

// TestCoreFrameworkV1ListenerGetsFallback: a v1-only listener built on
// Core's P2PInterface hangs up on our v2 key; the node dials it again at
// once with v1 (Core's ShouldReconnectV1), and that connection completes.
func TestCoreFrameworkV1ListenerGetsFallback(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	py := startTFPeer(t, "listen", fmt.Sprint(port), "v1")
	py.expect(t, "LISTENING")
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = []string{fmt.Sprintf("127.0.0.1:%d", port)}
	n := nodetest.Start(t, cfg)
	if got := py.expect(t, "OK"); got != "-" {
		t.Fatalf("v1 listener reported %q", got)
	}
	p := tfPeerInfo(t, n, "our v1 connection to the framework", func(p *peer.Info) bool { return !p.Inbound && p.PingTime > 0 })
	if p.TransportProtocolType != "v1" || p.SessionID != "" {
		t.Fatalf("getpeerinfo %s %q", p.TransportProtocolType, p.SessionID)
	}
}
