package transport

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
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

// startEchoIO starts an io actor listening on loopback whose connections
// are each attached to an echo peer; it returns the address.
func startEchoIO(b *testing.B, cfg Config) string {
	sys := newSystem(b)
	iopid := spawnIO(b, sys, cfg)
	listening := make(chan *Listening, 1)
	acceptor := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *Listening:
			listening <- m
		case *Accepted:
			peer := ctx.Spawn(actor.PropsFromProducer(func() actor.Actor { return &echo{io: iopid} }))
			ctx.Send(iopid, &Attach{Conn: m.Conn, Peer: peer})
		}
	}))
	b.Cleanup(func() { sys.Root.StopFuture(acceptor).Wait() })
	sys.Root.Send(iopid, &Listen{Addr: loopback, Owner: acceptor})
	select {
	case l := <-listening:
		if l.Err != nil {
			b.Fatal(l.Err)
		}
		return l.Addr.String()
	case <-time.After(waitFor):
		b.Fatal("no Listening")
		return ""
	}
}

// startBare starts the bare baseline server: a goroutine per connection
// that answers each ping frame with a pong.
func startBare(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			sc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, sc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
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
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// drive runs b.N ping/pong round trips against addr over conns connections
// with inflight pings outstanding on each, and reports round trips per
// second.
func drive(b *testing.B, addr string, conns, inflight int) {
	ping := frame(protocol.CmdPing, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	var ncs []net.Conn
	for range conns {
		nc, err := net.DialTimeout("tcp", addr, waitFor)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(time.Minute))
		ncs = append(ncs, nc)
	}
	pingPipelined(b, ncs, ping, len(ping), inflight)
}

// pingPipelined is the timed part of a pongs benchmark: every connection
// keeps inflight pings (ping, its bytes as sent) outstanding, reading
// answers of pongLen bytes, until b.N pings are answered; it reports
// pongs/s.
func pingPipelined(b *testing.B, ncs []net.Conn, ping []byte, pongLen, inflight int) {
	var left atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	for _, nc := range ncs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pong := make([]byte, pongLen)
			sent := 0
			for range inflight {
				if left.Add(-1) < 0 {
					break
				}
				nc.Write(ping)
				sent++
			}
			for sent > 0 {
				if _, err := io.ReadFull(nc, pong); err != nil {
					b.Error(err)
					return
				}
				sent--
				if left.Add(-1) >= 0 {
					nc.Write(ping)
					sent++
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pongs/s")
}

// BenchmarkPongs compares pipelined ping/pong throughput through io with
// echo peers against the bare server, at 10 connections x 16 in flight (one
// of DESIGN.md's figures).
func BenchmarkPongs(b *testing.B) {
	b.Run("io", func(b *testing.B) { drive(b, startEchoIO(b, Config{Magic: testMagic}), 10, 16) })
	b.Run("bare", func(b *testing.B) { drive(b, startBare(b), 10, 16) })
}
