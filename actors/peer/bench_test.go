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

// BenchmarkPeerPings measures a handshaken peer actor answering batches
// of 16 pings, io played by an actor that hands each acknowledgement back
// to the benchmark: per batch, the peer's decoding, machine, pong encoding
// and two mailbox hops. Allocations are reported per batch; msgs/s counts
// pings answered.
func BenchmarkPeerPings(b *testing.B) {
	params, err := protocol.Network("regtest")
	if err != nil {
		b.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	pool, err := workpool.New(2)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	sends := make(chan *transport.Send, 16)
	iopid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if s, ok := ctx.Message().(*transport.Send); ok && s.Ack != nil {
			sends <- s
		}
	}))
	cfg := Config{ID: 1, Conn: conn, Remote: netip.MustParseAddrPort("127.0.0.2:18444"),
		Inbound: true, IO: iopid, Network: params, UserAgent: "/bench:0/"}
	pid := system.Root.Spawn(Props(cfg, WithDispatcher(pool)))
	defer func() { system.Root.StopFuture(pid).Wait() }()

	post := func(msgs ...protocol.Message) *transport.Send {
		var wire []byte
		for _, m := range msgs {
			wire = protocol.AppendFrame(wire, params.Magic, m, protocol.ProtocolVersion)
		}
		d, err := transport.Deframe(wire, params.Magic, nil)
		if err != nil {
			b.Fatal(err)
		}
		system.Root.Send(pid, &transport.Received{Conn: conn, Frames: d.Frames, Size: len(wire)})
		return <-sends
	}
	any4 := protocol.NetAddress{Addr: netip.IPv4Unspecified()}
	v := &protocol.MsgVersion{ProtocolVersion: int32(protocol.ProtocolVersion), Nonce: 7, UserAgent: "/remote:0/",
		AddrRecv: any4, AddrFrom: any4}
	post(v, &protocol.MsgVerack{})

	const batch = 16
	var wire []byte
	for i := range batch {
		wire = protocol.AppendFrame(wire, params.Magic, &protocol.MsgPing{Nonce: uint64(i + 1)}, protocol.ProtocolVersion)
	}
	d, err := transport.Deframe(wire, params.Magic, nil)
	if err != nil {
		b.Fatal(err)
	}
	rcv := &transport.Received{Conn: conn, Frames: d.Frames, Size: len(wire)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		system.Root.Send(pid, rcv)
		s := <-sends
		if len(s.Data) != batch*(protocol.HeaderSize+8) {
			b.Fatalf("replied %d bytes", len(s.Data))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
}
