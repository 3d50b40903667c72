package connmgr

import (
	"net/netip"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
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
	params := mustNetwork(t, "regtest")
	logger := zaptest.NewLogger(t)
	system := newSystem(t)
	network := actortest.NewNetwork(params.Magic)
	parent := actortest.NewProbe(t, system)

	io := parent.Spawn(network.Props(netip.MustParseAddr("127.0.0.1")))
	disp := parent.Spawn(dispatcher.Props(dispatcher.WithLogger(logger.Named("dispatcher"))))
	book := parent.Spawn(addrbook.Props(addrbook.Config{Network: params, Dispatcher: disp, Logger: logger.Named("addrbook")}))

	listener := actortest.ListenRemote(t, system, network, netip.MustParseAddrPort("127.0.0.2:18444"))
	system.Root.Send(book, &addrbook.Add{Addrs: []protocol.NetAddress{{
		Services: protocol.SFNodeNetwork, Addr: listener.Addr().Addr(), Port: listener.Addr().Port(),
	}}})

	bind := netip.MustParseAddrPort("127.0.0.1:18444")
	cm := parent.Spawn(Props(Config{
		Network:     params,
		Listen:      true,
		Bind:        []netip.AddrPort{bind},
		MaxOutbound: 1,
		IO:          io,
		AddrBook:    book,
		Dispatcher:  disp,
		PeerTemplate: peer.Config{
			Network:   params,
			UserAgent: "/actornode-test:0.0.1/",
		},
		PeerProps: func(c peer.Config) *actor.Props {
			return peer.Props(c, peer.WithLogger(logger.Named("peer")))
		},
		Logger: logger.Named("connmgr"),
	}))

	// Outbound: dialled from the book; after the handshake, getaddr.
	out := listener.Accept(t, wait)
	out.Handshake(t, nil)
	out.Expect(t, protocol.CmdGetAddr, wait)

	// Inbound: the remote's getaddr is answered with the book's address.
	waitListening(t, system, cm)
	in := actortest.DialRemote(t, system, network, netip.MustParseAddrPort("127.0.0.3:0"), bind)
	in.Handshake(t, nil)
	in.Send(&protocol.MsgGetAddr{})
	deadline := time.Now().Add(wait)
	for {
		if addrs, ok := addrAnswer(in); ok {
			if len(addrs) != 1 || addrs[0] != listener.Addr() {
				t.Fatalf("getaddr answered with %v, want [%v]", addrs, listener.Addr())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no addr answer within %v; remote holds %v", wait, in.Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}

	p := actortest.NewProbe(t, system)
	system.Root.Send(cm, &GetPeers{ReplyTo: p.PID()})
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
// remote received.
func addrAnswer(r *actortest.Remote) ([]netip.AddrPort, bool) {
	for _, m := range r.Received() {
		switch m := m.(type) {
		case *protocol.MsgAddr:
			var out []netip.AddrPort
			for _, a := range m.AddrList {
				out = append(out, a.AddrPort())
			}
			return out, true
		case *protocol.MsgAddrV2:
			var out []netip.AddrPort
			for _, a := range m.AddrList {
				if ap, ok := a.AddrPort(); ok {
					out = append(out, ap)
				}
			}
			return out, true
		}
	}
	return nil, false
}

func waitListening(t *testing.T, system *actor.ActorSystem, cm *actor.PID) {
	t.Helper()
	p := actortest.NewProbe(t, system)
	defer p.Stop()
	deadline := time.Now().Add(wait)
	for {
		system.Root.Send(cm, &GetListeners{ReplyTo: p.PID()})
		l := actortest.Expect[*Listeners](t, p, wait)
		if l.Err != nil {
			t.Fatal(l.Err)
		}
		if l.Ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("connmgr not listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
