package connmgr

import (
	"net/netip"
	"testing"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// listeningMgr is a connection manager listening on port 8333, without an
// actor around it.
func listeningMgr() *connMgr {
	c := newConnMgr(Config{Logger: zap.NewNop()})
	c.listeners = []*listener{{done: true, addr: netip.MustParseAddrPort("0.0.0.0:8333")}}
	return c
}

func handshakenSeeing(ip string) *peer.Handshaken {
	msg := &peer.Handshaken{}
	if ip != "" {
		msg.Version.AddrRecv = protocol.NetAddress{Addr: netip.MustParseAddr(ip), Port: 5555}
	}
	return msg
}

func TestAdvertisablePrecedence(t *testing.T) {
	p := &peerConn{local: netip.MustParseAddrPort("192.168.1.5:8333")}
	tests := []struct {
		name   string
		locals []SetLocalAddr
		seen   string // what the peer says it sees us at
		want   string
	}{
		{name: "peer's view", seen: "5.6.7.8", want: "5.6.7.8:8333"},
		{name: "socket's local end", want: "192.168.1.5:8333"},
		{name: "mapped beats peer's view, with its own port",
			locals: []SetLocalAddr{{Addr: netip.MustParseAddrPort("1.2.3.4:8334"), Source: "natpmp"}},
			seen:   "5.6.7.8", want: "1.2.3.4:8334"},
		{name: "manual beats mapped; port 0 is the listening port",
			locals: []SetLocalAddr{
				{Addr: netip.MustParseAddrPort("1.2.3.4:8334"), Source: "pcp"},
				{Addr: netip.MustParseAddrPort("9.9.9.9:0"), Source: LocalManual},
			},
			seen: "5.6.7.8", want: "9.9.9.9:8333"},
		{name: "interface address loses to the peer's view",
			locals: []SetLocalAddr{{Addr: netip.MustParseAddrPort("7.7.7.7:0"), Source: LocalInterface}},
			seen:   "5.6.7.8", want: "5.6.7.8:8333"},
		{name: "interface address beats the socket's local end",
			locals: []SetLocalAddr{{Addr: netip.MustParseAddrPort("7.7.7.7:0"), Source: LocalInterface}},
			want:   "7.7.7.7:8333"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := listeningMgr()
			for i := range tt.locals {
				c.setLocalAddr(&tt.locals[i])
			}
			if got := c.advertisable(p, handshakenSeeing(tt.seen)); got != netip.MustParseAddrPort(tt.want) {
				t.Fatalf("advertisable = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestLocalAddrsListAndRemove(t *testing.T) {
	c := listeningMgr()
	c.setLocalAddr(&SetLocalAddr{Addr: netip.MustParseAddrPort("7.7.7.7:0"), Source: LocalInterface})
	c.setLocalAddr(&SetLocalAddr{Addr: netip.MustParseAddrPort("[::ffff:1.2.3.4]:8334"), Source: "upnp"})
	c.setLocalAddr(&SetLocalAddr{Addr: netip.MustParseAddrPort("0.0.0.0:1"), Source: "pcp"}) // unusable
	got := c.localAddrList().List
	want := []LocalAddr{
		{Addr: netip.MustParseAddrPort("1.2.3.4:8334"), Source: "upnp", Score: scoreMapped},
		{Addr: netip.MustParseAddrPort("7.7.7.7:8333"), Source: LocalInterface, Score: scoreInterface},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("local addresses %+v, want %+v", got, want)
	}
	c.removeLocalAddr(&RemoveLocalAddr{Addr: netip.MustParseAddrPort("1.2.3.4:8334")})
	if got := c.localAddrList().List; len(got) != 1 || got[0].Source != LocalInterface {
		t.Fatalf("after remove: %+v", got)
	}
	// Not listening: nothing to advertise, whatever we know.
	c.listeners = nil
	if got := c.advertisable(&peerConn{}, handshakenSeeing("5.6.7.8")); got.IsValid() {
		t.Fatalf("advertisable while not listening = %v", got)
	}
}
