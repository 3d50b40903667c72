package node_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// Interop with btcd, a Bitcoin node nobody here wrote, on loopback regtest.
// make test installs btcd and names it in $BTCD; without it these tests skip,
// except under CI, where a missing btcd fails them.

// btcdIdle is how long the connection must stay up while only pings flow.
const btcdIdle = time.Minute

// btcdPath finds the btcd binary.
func btcdPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BTCD"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("btcd"); err == nil {
		return p
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "btcd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("btcd not found: make test installs it (make tools)")
	}
	t.Skip("btcd not found: run make tools, or set BTCD")
	return ""
}

// btcd is a running btcd process.
type btcd struct {
	external
	addr netip.AddrPort
}

// startBtcd runs btcd on loopback regtest with the given extra flags, never
// seeding from DNS, and waits until it listens. It is stopped at the end of
// the test, and its log is printed if the test failed.
func startBtcd(t *testing.T, extra ...string) *btcd {
	t.Helper()
	bin := btcdPath(t)
	port := freePort(t)
	dir := t.TempDir()
	b := &btcd{external: external{name: "btcd"}, addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)}
	args := []string{
		"--regtest", "--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--listen=" + b.addr.String(), "--nodnsseed", "--debuglevel=debug",
	}
	if !slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "--rpclisten") }) {
		args = append(args, "--norpc")
	}
	args = append(args, extra...)
	// btcd stops in order on SIGTERM as on an interrupt.
	b.start(t, exec.Command(bin, args...), "Server listening on")
	return b
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

func isBtcd(p *peer.Info) bool { return strings.Contains(p.SubVer, "btcd") }

// TestBtcdRefusesUsAsOutboundPeer: btcd keeps only outbound peers that
// offer NODE_NETWORK; our node announces none, since it serves no blocks
// past genesis, so btcd turns its connection to us down.
func TestBtcdRefusesUsAsOutboundPeer(t *testing.T) {
	t.Parallel()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	n := nodetest.Start(t, cfg)
	b := startBtcd(t, "--addpeer="+nodetest.ListenAddr(t, n).String())
	nodetest.Eventually(t, 20*time.Second, "btcd to reject us for missing services", func() bool {
		return len(b.lines("Rejecting peer", "not providing desired services")) > 0
	})
}

// TestBtcdConnectsToUs: btcd dials actornode (--addpeer); the handshake
// completes, both sides' pings are answered, btcd's getaddr gets our answer,
// and the connection survives a minute of idling with pings every 2 s. Our
// node claims NETWORK and WITNESS (-regtestservices), which btcd requires
// of its outbound peers.
func TestBtcdConnectsToUs(t *testing.T) {
	t.Parallel()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.PingInterval = 2 * time.Second
	cfg.MaxOutbound = 0
	nodetest.ClaimFullServices(&cfg)
	n := nodetest.Start(t, cfg)
	ours := nodetest.ListenAddr(t, n)
	// Something to answer getaddr with (regtest keeps loopback addresses).
	addToBook(t, n, "127.0.0.55:18444", "127.0.0.56:18444")

	b := startBtcd(t, "--addpeer="+ours.String())

	var first *peer.Info
	nodetest.Eventually(t, 20*time.Second, "btcd's inbound connection to handshake and answer a ping", func() bool {
		ps := nodetest.Handshaken(nodetest.Peers(t, n), func(p *peer.Info) bool { return isBtcd(p) && p.Inbound && p.PingTime > 0 })
		if len(ps) == 1 {
			first = ps[0]
		}
		return first != nil
	})
	if first.Version < int32(protocol.WtxidRelayVersion) {
		t.Errorf("btcd version %d", first.Version)
	}
	nodetest.Eventually(t, 20*time.Second, "btcd to log our version, verack and addr answer", func() bool {
		return len(b.lines("Received version", "/actornode:")) > 0 &&
			len(b.lines("Received verack")) > 0 &&
			len(b.lines("Received addr")) > 0
	})
	idleAndCheck(t, n, first)
}

// TestWeConnectToBtcd: actornode dials btcd (-connect); the handshake
// completes, our pings are answered, our getaddr is answered with addresses
// btcd knows, and the connection survives a minute of idling.
func TestWeConnectToBtcd(t *testing.T) {
	t.Parallel()
	// btcd runs with --connect to a closed loopback port, so that it never
	// dials the addresses it learns below.
	b := startBtcd(t, fmt.Sprintf("--connect=127.0.0.1:%d", freePort(t)))

	// Teach btcd addresses, so that it has an answer for getaddr: it keeps
	// only publicly routable ones, and answers with 23% of its book. These are
	// data only: neither btcd (--connect) nor actornode (-connect) dials them.
	taught := teachBtcd(t, b, 60)

	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.PingInterval = 2 * time.Second
	cfg.Connect = []string{b.addr.String()}
	n := nodetest.Start(t, cfg)

	var first *peer.Info
	nodetest.Eventually(t, 20*time.Second, "our outbound connection to btcd to handshake and answer a ping", func() bool {
		ps := nodetest.Handshaken(nodetest.Peers(t, n), func(p *peer.Info) bool { return isBtcd(p) && !p.Inbound && p.PingTime > 0 })
		if len(ps) == 1 {
			first = ps[0]
		}
		return first != nil
	})
	nodetest.Eventually(t, 20*time.Second, "btcd's addresses in our book", func() bool {
		got := 0
		for _, e := range nodetest.Book(t, n) {
			if taught[e.Addr] {
				got++
			}
		}
		return got >= 5
	})
	if len(b.lines("Received getaddr")) == 0 {
		t.Error("btcd did not log our getaddr")
	}
	idleAndCheck(t, n, first)
}

// teachBtcd connects a scripted peer to btcd and sends it count routable
// addresses in one addr message.
func teachBtcd(t *testing.T, b *btcd, count int) map[netip.AddrPort]bool {
	t.Helper()
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	r := actortest.DialTCP(t, b.addr.String(), params.Magic)
	r.SetAutoPong(true)
	r.Handshake(t, r.NewVersion())
	taught := map[netip.AddrPort]bool{}
	msg := &protocol.MsgAddr{}
	now := uint32(time.Now().Unix())
	for i := 0; i < count; i++ {
		ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{45, 33, byte(i / 200), byte(1 + i%200)}), 18444)
		taught[ap] = true
		msg.AddrList = append(msg.AddrList, protocol.NetAddress{
			Timestamp: now, Services: protocol.SFNodeNetwork | protocol.SFNodeWitness, Addr: ap.Addr(), Port: ap.Port(),
		})
	}
	r.Send(msg)
	nodetest.Eventually(t, 10*time.Second, "btcd to take our addresses", func() bool {
		return len(b.lines("Received addr", fmt.Sprintf("%d addr", count))) > 0
	})
	return taught
}

// idleAndCheck waits btcdIdle and checks the same connection is still up and
// still answering pings.
func idleAndCheck(t *testing.T, n *node.Node, first *peer.Info) {
	t.Helper()
	time.Sleep(btcdIdle) // the point of the test is a minute of idling
	var now *peer.Info
	for _, p := range nodetest.Peers(t, n) {
		if p.ID == first.ID {
			now = p
		}
	}
	if now == nil {
		t.Fatalf("peer %d (%s) is gone after %v idle", first.ID, first.Addr, btcdIdle)
	}
	if now.LastRecv <= first.LastRecv || now.BytesRecvPerMsg["pong"] <= first.BytesRecvPerMsg["pong"] {
		t.Errorf("no pongs during the idle minute: lastrecv %d -> %d, pong bytes %d -> %d",
			first.LastRecv, now.LastRecv, first.BytesRecvPerMsg["pong"], now.BytesRecvPerMsg["pong"])
	}
}
