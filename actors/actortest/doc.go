// Package actortest holds test doubles for actornode's actors, for our own
// tests and for programs that embed a node: a probe actor with typed,
// deadline-bound expectations, an in-memory network that stands in for the
// io actor, and scripted remote Bitcoin nodes.
//
// It imports no actor package but actors/inspect, so every actor package can
// use it in its tests; it speaks the messages of the transport package and
// the wire format of the protocol package. None of it uses protoactor
// futures (whose Result races with Respond under -race in the protoactor
// version we use): expectations wait on the doubles' own records.
//
// # Probe
//
// NewProbe spawns an actor that records every message it receives. Give its
// PID to the actor under test as an owner, parent, reply-to or subscriber,
// then expect what it should have sent:
//
//	p := actortest.NewProbe(t, system)
//	system.Root.Send(ioPID, &transport.Dial{Addr: addr, Owner: p.PID()})
//	d := actortest.Expect[*transport.Dialed](t, p, time.Second)
//
// Expect consumes the oldest recorded message of its type and leaves the
// others pending, in order, so messages can be expected in any order;
// ExpectNone asserts absence for a bounded time; a failed expectation fails
// the test with what arrived instead. Probe.Spawn makes the probe the parent
// of an actor under test, so its messages to ctx.Parent() are recorded.
//
// # Network
//
// A Network connects the nodes of one process without sockets. Each node
// spawns the actor of Network.Props where it would spawn the transport
// package's io actor (node options let a test swap that constructor); nodes
// may share one actor system or have their own:
//
//	net := actortest.NewNetwork(params.Magic)
//	ioA := systemA.Root.Spawn(net.Props(netip.MustParseAddr("127.0.0.1")))
//	ioB := systemB.Root.Spawn(net.Props(netip.MustParseAddr("127.0.0.2")))
//
// The replacement speaks io's messages under io's contract (Listen and
// Listening, Dial and Dialed, Accepted, Attach, Received acknowledged by
// Send, SendPaused and SendResumed, Close and Closed, Stats) and cuts frames
// with the transport package's own deframer, so framing errors close
// connections as they do on sockets. Its receive and send limits and send
// timeout are io's defaults unless NewNetwork is given WithRecvLimit,
// WithSendLimit or WithSendTimeout. Package transport/iotest runs the same
// contract tests against it as against io.
// Network.Conns, Network.Violations and Network.Drop let a test look at and
// break connections.
//
// # Remote
//
// A Remote is a fake remote Bitcoin node that the test scripts, message by
// message. DialRemote connects one to a node's listener on a Network;
// ListenRemote gives an address for the node to dial, and Accept returns a
// Remote per connection; DialTCP connects one to a real node on loopback for
// interop tests. All have the same API:
//
//	r := actortest.DialRemote(t, system, net, from, nodeAddr)
//	theirs := r.Handshake(t, nil) // version, wtxidrelay, sendaddrv2, verack, as Core
//	r.Send(&protocol.MsgPing{Nonce: 7})
//	pong := actortest.ExpectMsg[*protocol.MsgPong](t, r, time.Second)
//
// Like a probe, a Remote keeps what it has not been asked for, in order, for
// later expectations.
package actortest
