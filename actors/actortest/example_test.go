package actortest_test

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// pongNode is a node under test reduced to one rule: it answers ping with
// pong. Its io is whatever it is given: here the Network's replacement.
type pongNode struct {
	io   *actor.PID
	addr netip.AddrPort
}

func (n *pongNode) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Send(n.io, &transport.Listen{Addr: n.addr, Owner: ctx.Self()})
	case *transport.Listening:
		ctx.Send(ctx.Parent(), msg) // tell the test it is ready
	case *transport.Accepted:
		ctx.Send(n.io, &transport.Attach{Conn: msg.Conn, Peer: ctx.Self()})
	case *transport.Received:
		var out []byte
		for _, f := range msg.Frames {
			if m, err := protocol.Decode(f.Command, f.Payload, protocol.ProtocolVersion); err == nil {
				if ping, ok := m.(*protocol.MsgPing); ok {
					out = protocol.AppendFrame(out, regtestMagic, &protocol.MsgPong{Nonce: ping.Nonce}, protocol.ProtocolVersion)
				}
			}
		}
		ctx.Send(n.io, &transport.Send{Conn: msg.Conn, Data: out, Ack: msg})
	}
}

// Example runs a node on an in-memory Network and scripts a remote node
// against it. In a test, pass the test's t instead of exampleT.
func Example() {
	t := &exampleT{}
	defer t.finish()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))

	// The node gets the Network's io replacement instead of transport.Props.
	net := actortest.NewNetwork(regtestMagic)
	nodeAddr := netip.MustParseAddrPort("127.0.0.1:18444")
	io := system.Root.Spawn(net.Props(nodeAddr.Addr()))
	p := actortest.NewProbe(t, system) // the node's parent, to observe it
	p.Spawn(actor.PropsFromProducer(func() actor.Actor { return &pongNode{io: io, addr: nodeAddr} }))
	p.Watch(io)
	actortest.Expect[*transport.Listening](t, p, time.Second)

	// A remote node dials it and talks.
	r := actortest.DialRemote(t, system, net, netip.MustParseAddrPort("127.0.0.2:0"), nodeAddr)
	r.Send(&protocol.MsgPing{Nonce: 42})
	pong := actortest.ExpectMsg[*protocol.MsgPong](t, r, time.Second)
	fmt.Println("pong", pong.Nonce)
	fmt.Println("connection ends:", len(net.Conns()))

	// Stopping the node's io closes the connection: the remote sees an EOF.
	system.Root.Stop(io)
	actortest.Expect[*actor.Terminated](t, p, time.Second)
	fmt.Println("closed:", r.ExpectClosed(t, time.Second) != nil)
	// Output:
	// pong 42
	// connection ends: 2
	// closed: true
}

// exampleT stands in for the *testing.T a test would pass.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf("error: "+format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// finish runs the cleanups, last registered first, as the testing package
// does when a test ends.
func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
