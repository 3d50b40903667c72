package addrbook

import (
	"net/netip"
	"runtime"
	"testing"
	"unsafe"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/inspect"
)

// BenchmarkIdleInboundPeerCost measures what the book keeps for an idle
// inbound peer (one that never sends addr, addrv2 or getaddr, as a load
// generator's peers): the live heap after 10,000 Connected messages, per
// peer. Run with -benchtime=1x; it reports bytes/peer.
func BenchmarkIdleInboundPeerCost(b *testing.B) {
	const peers = 10_000
	system := actortest.NewSystem(b)
	p := actortest.NewProbe(b, system)
	book := system.Root.Spawn(Props(Config{Network: mustNetwork(b, "mainnet"), Logger: zap.NewNop()}))
	b.Cleanup(func() { _ = system.Root.StopFuture(book).Wait() })
	local := netip.MustParseAddrPort("8.8.8.8:8333")
	bind := netip.MustParseAddrPort("10.0.0.1:8333")
	sync := func() {
		system.Root.Send(book, &inspect.Describe{ReplyTo: p.PID()})
		actortest.Expect[*inspect.Description](b, p, wait)
	}
	var perPeer float64
	for b.Loop() {
		sync()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range peers {
			addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{30, byte(i >> 16), byte(i >> 8), byte(i)}), 50000)
			system.Root.Send(book, &Connected{ID: uint64(i + 1), Peer: p.PID(), Addr: addr, Inbound: true,
				Local: local, LocalSocket: bind})
		}
		sync()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPeer = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / peers
		for i := range peers {
			system.Root.Send(book, &Disconnected{ID: uint64(i + 1)})
		}
		sync()
	}
	b.ReportMetric(perPeer, "bytes/peer")
}

// TestConnSize keeps what every peer costs the book small: the relay
// state lives apart, made only for peers in address relay.
func TestConnSize(t *testing.T) {
	t.Logf("conn: %d bytes, relayState: %d bytes", unsafe.Sizeof(conn{}), unsafe.Sizeof(relayState{}))
	if n := unsafe.Sizeof(conn{}); n > 128 {
		t.Errorf("conn is %d bytes, want at most 128 (relay state belongs in relayState)", n)
	}
}
