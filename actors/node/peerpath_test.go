package node_test

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/metrics"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// BenchmarkPeerPath measures the io -> peer -> io path (a batch of one ping
// in, its pong and the acknowledgement out, 64 batches in flight) with the
// peer as the node runs it: its mailbox counted for /debug/actors, its
// frames reported to /metrics. "plain" is the baseline without either; the
// three should be within noise of each other (DESIGN.md io rule 8).
func BenchmarkPeerPath(b *testing.B) {
	for _, v := range []struct {
		name             string
		counted, metered bool
	}{
		{name: "plain"},
		{name: "counted", counted: true},
		{name: "counted+metrics", counted: true, metered: true},
	} {
		b.Run(v.name, func(b *testing.B) { benchPeerPath(b, v.counted, v.metered) })
	}
}

func benchPeerPath(b *testing.B, counted, metered bool) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	acks := make(chan struct{}, 1024)
	io := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if s, ok := ctx.Message().(*transport.Send); ok && s.Ack != nil {
			acks <- struct{}{}
		}
	}))
	params, err := protocol.Network("regtest")
	if err != nil {
		b.Fatal(err)
	}
	const conn transport.ConnID = 1
	cfg := peer.Config{
		ID: 1, Conn: conn, Inbound: true, IO: io, Network: params, UserAgent: "/bench:0/",
		Remote: netip.MustParseAddrPort("127.0.0.1:50000"), Local: netip.MustParseAddrPort("127.0.0.1:18444"),
		HandshakeTimeout: time.Hour, PingInterval: time.Hour, PingTimeout: 2 * time.Hour,
	}
	var opts []peer.Option
	if metered {
		opts = append(opts, peer.WithMetrics(metrics.New(nil, 0)))
	}
	props := peer.Props(cfg, opts...)
	if counted {
		props.Configure(actor.WithMailbox(inspect.NewCounters().Mailbox()))
	}
	pid := system.Root.Spawn(props)
	defer system.Root.Stop(pid)

	frames := func(msgs ...protocol.Message) []transport.Frame {
		out := make([]transport.Frame, 0, len(msgs))
		for _, m := range msgs {
			wire := protocol.AppendFrame(nil, params.Magic, m, protocol.ProtocolVersion)
			out = append(out, transport.Frame{Command: m.Command(), Payload: wire[protocol.HeaderSize:]})
		}
		return out
	}
	version := &protocol.MsgVersion{
		ProtocolVersion: 70016, Services: protocol.SFNodeNetwork, Timestamp: time.Now().Unix(),
		AddrRecv: protocol.NetAddress{Addr: netip.MustParseAddr("127.0.0.1"), Port: 18444},
		AddrFrom: protocol.NetAddress{Addr: netip.IPv6Unspecified()}, Nonce: 42, UserAgent: "/remote:1/",
	}
	system.Root.Send(pid, &transport.Received{Conn: conn, Frames: frames(version, &protocol.MsgVerack{})})
	select {
	case <-acks:
	case <-time.After(5 * time.Second):
		b.Fatal("no handshake acknowledgement")
	}
	ping := frames(&protocol.MsgPing{Nonce: 7})

	const window = 64
	inflight := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if inflight == window {
			<-acks
			inflight--
		}
		system.Root.Send(pid, &transport.Received{Conn: conn, Frames: ping, Size: 32})
		inflight++
	}
	for ; inflight > 0; inflight-- {
		<-acks
	}
}
