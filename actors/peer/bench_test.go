package peer

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/internal/workpool"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// pingBatch is the number of pings in one batch of pingRig.
const pingBatch = 16

// pingRig is a handshaken peer actor, io played by an actor that hands each
// acknowledged send back; batch sends it pingBatch pings in one Received
// and waits for the pongs. tb fails if the answer is not 16 pongs.
func pingRig(tb testing.TB) (batch func()) {
	tb.Helper()
	params, err := protocol.Network("regtest")
	if err != nil {
		tb.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	tb.Cleanup(system.Shutdown)
	pool, err := workpool.New(2)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	sends := make(chan *transport.Send, 16)
	iopid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if s, ok := ctx.Message().(*transport.Send); ok && s.Ack != nil {
			sends <- s
		}
	}))
	cfg := Config{ID: 1, Conn: conn, Remote: netip.MustParseAddrPort("127.0.0.2:18444"),
		Inbound: true, IO: iopid, Network: params, UserAgent: "/bench:0/"}
	pid := system.Root.Spawn(Props(cfg, WithDispatcher(pool)))
	tb.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })

	post := func(msgs ...protocol.Message) *transport.Send {
		var wire []byte
		for _, m := range msgs {
			wire = protocol.AppendFrame(wire, params.Magic, m, protocol.ProtocolVersion)
		}
		d, err := transport.Deframe(wire, params.Magic, nil)
		if err != nil {
			tb.Fatal(err)
		}
		system.Root.Send(pid, &transport.Received{Conn: conn, Frames: d.Frames, Size: len(wire)})
		return <-sends
	}
	any4 := protocol.NetAddress{Addr: netip.IPv4Unspecified()}
	v := &protocol.MsgVersion{ProtocolVersion: int32(protocol.ProtocolVersion), Nonce: 7, UserAgent: "/remote:0/",
		AddrRecv: any4, AddrFrom: any4}
	post(v, &protocol.MsgVerack{})

	var wire []byte
	for i := range pingBatch {
		wire = protocol.AppendFrame(wire, params.Magic, &protocol.MsgPing{Nonce: uint64(i + 1)}, protocol.ProtocolVersion)
	}
	d, err := transport.Deframe(wire, params.Magic, nil)
	if err != nil {
		tb.Fatal(err)
	}
	rcv := &transport.Received{Conn: conn, Frames: d.Frames, Size: len(wire)}
	return func() {
		system.Root.Send(pid, rcv)
		s := <-sends
		if len(s.Data) != pingBatch*(protocol.HeaderSize+8) {
			tb.Fatalf("replied %d bytes", len(s.Data))
		}
	}
}

// BenchmarkPeerPings measures a handshaken peer actor answering batches
// of 16 pings, io played by an actor that hands each acknowledgement back
// to the benchmark: per batch, the peer's decoding, machine, pong encoding
// and two mailbox hops. Allocations are reported per batch; msgs/s counts
// pings answered.
func BenchmarkPeerPings(b *testing.B) {
	batch := pingRig(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		batch()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*pingBatch)/b.Elapsed().Seconds(), "msgs/s")
}

// maxPingBatchAllocs bounds the allocations of one batch of 16 pings
// answered (BenchmarkPeerPings reports 3 or 4 a batch): the peer's pong
// buffer and its transport.Send to io, and protoactor's default mailbox
// scheduling each of the rig's two actors (none when a mailbox is still
// running; the node's counted mailbox allocates nothing, see
// actors/internal/mailbox).
const maxPingBatchAllocs = 4

// TestPeerPingsAllocations holds the peer's ping path to what the README
// says of BenchmarkPeerPings: a batch of 16 pings answered costs a few
// allocations, not one or more per ping.
func TestPeerPingsAllocations(t *testing.T) {
	batch := pingRig(t)
	for range 100 { // warm up: rings and pools at their size
		batch()
	}
	allocs := testing.AllocsPerRun(1000, batch)
	if allocs > maxPingBatchAllocs {
		t.Fatalf("a batch of %d pings answered allocates %.1f times, want at most %d", pingBatch, allocs, maxPingBatchAllocs)
	}
}
