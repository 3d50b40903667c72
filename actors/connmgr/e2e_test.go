package connmgr

import (
	"net/netip"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// TestEndToEndAddressExchange runs connmgr with the real address book,
// dispatcher and peers over actortest's in-memory network: an outbound
// slot is filled from the book, the handshake makes the book ask the remote
// for addresses (getaddr), and an inbound remote's getaddr is answered with
// what the book knows.
func TestEndToEndAddressExchange(t *testing.T) {
	e := newEndToEnd(t)
	listener := actortest.ListenRemote(t, e.system, e.network, netip.MustParseAddrPort("127.0.0.2:18444"))
	e.system.Root.Send(e.book, &addrbook.Add{Addrs: []protocol.NetAddress{{
		Services: protocol.SFNodeNetwork, Addr: listener.Addr().Addr(), Port: listener.Addr().Port(),
	}}})
	cm := e.startConnMgr(t)

	// Outbound: dialled from the book; after the handshake, getaddr.
	out := listener.Accept(t, wait)
	out.Handshake(t, nil)
	out.Expect(t, protocol.CmdGetAddr, wait)

	// Inbound: the remote's getaddr is answered with the book's address.
	in := actortest.DialRemote(t, e.system, e.network, netip.MustParseAddrPort("127.0.0.3:0"), e2eBind)
	in.Handshake(t, nil)
	in.Send(&protocol.MsgGetAddr{})
	var addrs []netip.AddrPort
	actortest.Eventually(t, wait, "an answer to getaddr", func() bool {
		var ok bool
		addrs, ok = addrAnswer(in, e2eBind)
		return ok
	})
	if len(addrs) != 1 || addrs[0] != listener.Addr() {
		t.Fatalf("getaddr answered with %v, want [%v]", addrs, listener.Addr())
	}

	p := actortest.NewProbe(t, e.system)
	e.system.Root.Send(cm, &GetPeers{ReplyTo: p.PID()})
	list := actortest.Expect[*Peers](t, p, wait).List
	if len(list) != 2 || list[0].ConnType != ConnOutboundFullRelay || list[1].ConnType != ConnInbound ||
		!list[0].Handshaken || !list[1].Handshaken {
		t.Fatalf("peers %+v, want one outbound and one inbound, both handshaken", list)
	}

	// The outbound remote leaves: connmgr frees the slot and dials again.
	out.Close()
	again := listener.Accept(t, wait)
	again.Handshake(t, nil)
}

// addrAnswer returns the addresses of the first addr or addrv2 message the
// remote received other than our own address alone: as Core does, the
// node tells an inbound peer its address, in a message of its own, when
// the peer joins address relay, here with its getaddr, before the answer.
func addrAnswer(r *actortest.Remote, self netip.AddrPort) ([]netip.AddrPort, bool) {
	for _, m := range r.Received() {
		var out []netip.AddrPort
		switch m := m.(type) {
		case *protocol.MsgAddr:
			for _, a := range m.AddrList {
				out = append(out, a.AddrPort())
			}
		case *protocol.MsgAddrV2:
			for _, a := range m.AddrList {
				if ap, ok := a.AddrPort(); ok {
					out = append(out, ap)
				}
			}
		default:
			continue
		}
		if len(out) == 1 && out[0] == self {
			continue
		}
		return out, true
	}
	return nil, false
}

// e2eBind is where connmgr listens in the end-to-end tests.
var e2eBind = netip.MustParseAddrPort("127.0.0.1:18444")

// endToEnd is connmgr's real neighbourhood in an end-to-end test: the
// address book, the dispatcher and real peers, over actortest's in-memory
// network, all children of parent (stopped when the test ends).
type endToEnd struct {
	params  protocol.Params
	logger  *zap.Logger
	system  *actor.ActorSystem
	network *actortest.Network
	parent  *actortest.Probe
	io      *actor.PID
	disp    *actor.PID
	book    *actor.PID
}

// newEndToEnd spawns io (the in-memory network, at 127.0.0.1), the
// dispatcher and an empty address book on regtest.
func newEndToEnd(t *testing.T) *endToEnd {
	t.Helper()
	e := &endToEnd{params: mustNetwork(t, "regtest"), logger: zaptest.NewLogger(t), system: newSystem(t)}
	e.network = actortest.NewNetwork(e.params.Magic)
	e.parent = actortest.NewProbe(t, e.system)
	t.Cleanup(e.parent.Stop)
	e.io = e.parent.Spawn(e.network.Props(netip.MustParseAddr("127.0.0.1")))
	e.disp = e.parent.Spawn(dispatcher.Props(dispatcher.WithLogger(e.logger.Named("dispatcher"))))
	e.book = e.parent.Spawn(addrbook.Props(addrbook.Config{Network: e.params, Dispatcher: e.disp, Logger: e.logger.Named("addrbook")}))
	return e
}

// startConnMgr spawns connmgr with one outbound slot, listening on
// e2eBind, and waits until it listens.
func (e *endToEnd) startConnMgr(t *testing.T) *actor.PID {
	t.Helper()
	cm := e.parent.Spawn(Props(Config{
		Network:     e.params,
		Listen:      true,
		Bind:        []netip.AddrPort{e2eBind},
		MaxOutbound: 1,
		IO:          e.io,
		AddrBook:    e.book,
		Dispatcher:  e.disp,
		PeerTemplate: peer.Config{
			Network:   e.params,
			UserAgent: "/actornode-test:0.0.1/",
		},
		PeerProps: func(c peer.Config) *actor.Props {
			return peer.Props(c, peer.WithLogger(e.logger.Named("peer")))
		},
		Logger: e.logger.Named("connmgr"),
	}))
	waitListening(t, e.system, cm)
	return cm
}

// waitListening waits until connmgr's listeners are ready, failing at once
// if one failed.
func waitListening(t *testing.T, system *actor.ActorSystem, cm *actor.PID) {
	t.Helper()
	p := actortest.NewProbe(t, system)
	defer p.Stop()
	actortest.Eventually(t, wait, "connmgr listening", func() bool {
		system.Root.Send(cm, &GetListeners{ReplyTo: p.PID()})
		l := actortest.Expect[*Listeners](t, p, wait)
		if l.Err != nil {
			t.Fatal(l.Err)
		}
		return l.Ready
	})
}
