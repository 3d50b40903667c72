package transport

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/asynkron/protoactor-go/actor"
)

// echo is a trivial peer: it answers every frame with a pong carrying the
// same payload, all replies of one Received in one Send that acknowledges it,
// built in the buffer io lends (Received.Out) when there is one.
type echo struct{ io *actor.PID }

func (e *echo) Receive(ctx actor.Context) {
	if m, ok := ctx.Message().(*Received); ok {
		out := m.Out
		for _, f := range m.Frames {
			out = protocol.AppendRawFrame(out, testMagic, protocol.CmdPong, f.Payload)
		}
		ctx.Send(e.io, &Send{Conn: m.Conn, Data: out, Ack: m})
	}
}

// BenchmarkPingPong measures one ping/pong round trip between a plain TCP
// client and an echo peer actor through the io actor, on loopback.
// allocs/op counts the whole process: io, the echo actor and the client.
func BenchmarkPingPong(b *testing.B) {
	b.Run("loop", func(b *testing.B) { benchPingPong(b, Config{Magic: testMagic}) })
	b.Run("locked-thread", func(b *testing.B) { benchPingPong(b, Config{Magic: testMagic, LockOSThread: true}) })
}

func benchPingPong(b *testing.B, cfg Config) {
	sys := newSystem(b)
	iopid := spawnIO(b, sys, cfg)
	owner := newProbe(b, sys, iopid, true)
	sys.Root.Send(iopid, &Listen{Addr: loopback, Owner: owner.pid})
	l := expect[*Listening](owner)
	nc, err := net.DialTimeout("tcp", l.Addr.String(), waitFor)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	acc := expect[*Accepted](owner)
	peer := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &echo{io: iopid} }))
	defer func() { sys.Root.StopFuture(peer).Wait() }()
	sys.Root.Send(iopid, &Attach{Conn: acc.Conn, Peer: peer})

	ping := frame(protocol.CmdPing, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	pong := make([]byte, len(ping))
	nc.SetDeadline(time.Now().Add(time.Minute))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(ping); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, pong); err != nil {
			b.Fatal(err, owner.stats())
		}
	}
	if string(pong[4:8]) != "pong" {
		b.Fatalf("got %q", pong)
	}
}

// BenchmarkPingPongBare is BenchmarkPingPong's baseline: the same client
// against a bare goroutine-per-connection Go server that answers each ping
// frame with a pong, without actors.
func BenchmarkPingPongBare(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc, err := ln.Accept()
		if err != nil {
			return
		}
		defer sc.Close()
		buf := make([]byte, 32)
		out := make([]byte, 0, 32)
		for {
			if _, err := io.ReadFull(sc, buf); err != nil {
				return
			}
			out = protocol.AppendRawFrame(out[:0], testMagic, protocol.CmdPong, buf[24:])
			if _, err := sc.Write(out); err != nil {
				return
			}
		}
	}()
	defer func() { ln.Close(); <-done }()
	nc, err := net.DialTimeout("tcp", ln.Addr().String(), waitFor)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ping := frame(protocol.CmdPing, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	pong := make([]byte, len(ping))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(ping); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, pong); err != nil {
			b.Fatal(err)
		}
	}
}
