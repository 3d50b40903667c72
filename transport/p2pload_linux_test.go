//go:build linux && !transport_portable

package transport

import (
	"os"
	"os/signal"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
)

// miniPeer answers version with version+verack and ping with pong, all
// replies of one Received in one Send: the least a peer does for p2pload.
type miniPeer struct {
	io      *actor.PID
	magic   uint32
	version []byte // our version frame followed by verack
}

func (p *miniPeer) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*Received)
	if !ok {
		if c, ok := ctx.Message().(*Closed); ok && c != nil {
			ctx.Stop(ctx.Self())
		}
		return
	}
	out := m.Out
	for _, f := range m.Frames {
		switch f.Command {
		case protocol.CmdVersion:
			out = append(out, p.version...)
		case protocol.CmdPing:
			out = protocol.AppendRawFrame(out, p.magic, protocol.CmdPong, f.Payload)
		}
	}
	ctx.Send(p.io, &Send{Conn: m.Conn, Data: out, Ack: m})
}

// workers is a dispatcher of a few long-lived goroutines for the miniPeers
// (DESIGN.md rule 6: protoactor's default starts a goroutine per mailbox
// activation).
type workers chan func()

func newWorkers(n int) workers {
	w := make(workers, 1<<16)
	for range n {
		go func() {
			for fn := range w {
				fn()
			}
		}()
	}
	return w
}

func (w workers) Schedule(fn func()) { w <- fn }
func (w workers) Throughput() int    { return 300 }

// TestServeForP2PLoad runs io with miniPeers as a p2pload target, for
// measuring io against p2pload's limitserver. It runs only when
// TRANSPORT_P2PLOAD_LISTEN names a loopback address, until interrupted;
// TRANSPORT_P2PLOAD_WORKERS=1 runs the peers on two long-lived workers:
//
//	go test -c -o /tmp/io.test ./transport/
//	TRANSPORT_P2PLOAD_LISTEN=127.0.0.1:18800 taskset -c 0 /tmp/io.test -test.run TestServeForP2PLoad
func TestServeForP2PLoad(t *testing.T) {
	listen := os.Getenv("TRANSPORT_P2PLOAD_LISTEN")
	if listen == "" {
		t.Skip("set TRANSPORT_P2PLOAD_LISTEN to serve p2pload")
	}
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	sys := actor.NewActorSystem()
	defer sys.Shutdown()
	iopid := sys.Root.Spawn(Props(Config{Magic: params.Magic, Logger: zap.NewNop()}))
	defer func() { sys.Root.StopFuture(iopid).Wait() }()
	ver := &protocol.MsgVersion{
		ProtocolVersion: int32(protocol.ProtocolVersion),
		Timestamp:       time.Now().Unix(),
		Nonce:           1,
		UserAgent:       "/transport-test:0/",
	}
	version := protocol.AppendFrame(nil, params.Magic, ver, protocol.ProtocolVersion)
	version = protocol.AppendRawFrame(version, params.Magic, protocol.CmdVerack, nil)
	var opts []actor.PropsOption
	if os.Getenv("TRANSPORT_P2PLOAD_WORKERS") != "" {
		w := newWorkers(2)
		defer close(w)
		opts = append(opts, actor.WithDispatcher(w))
	}
	listening := make(chan *Listening, 1)
	acceptor := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *Listening:
			listening <- m
		case *Accepted:
			peer := ctx.Spawn(actor.PropsFromProducer(func() actor.Actor {
				return &miniPeer{io: iopid, magic: params.Magic, version: version}
			}, opts...))
			ctx.Send(iopid, &Attach{Conn: m.Conn, Peer: peer})
		}
	}))
	sys.Root.Send(iopid, &Listen{Addr: mustAddrPort(t, listen), Owner: acceptor})
	if l := <-listening; l.Err != nil {
		t.Fatal(l.Err)
	}
	t.Logf("serving on %s; interrupt to stop", listen)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	signal.Stop(sig)
}
