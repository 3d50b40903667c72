package nodeinfo_test

import (
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

func TestNetworkClass(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{addr: "", want: ""},
		{addr: "8.8.8.8", want: "ipv4"},
		{addr: "::ffff:8.8.8.8", want: "ipv4"},
		{addr: "2001:4860:4860::8888", want: "ipv6"},
		{addr: "127.0.0.1", want: "not_publicly_routable"},
		{addr: "10.1.2.3", want: "not_publicly_routable"},
		{addr: "192.168.0.1", want: "not_publicly_routable"},
		{addr: "169.254.1.1", want: "not_publicly_routable"},
		{addr: "0.0.0.0", want: "not_publicly_routable"},
		{addr: "::1", want: "not_publicly_routable"},
		{addr: "fc00::1", want: "not_publicly_routable"},
		{addr: "fe80::1", want: "not_publicly_routable"},
		{addr: "192.0.2.1", want: "not_publicly_routable"},
		// Core's GetNetClass: multicast counts routable; tunnelled IPv6
		// that carries IPv4 is ipv4.
		{addr: "ff02::1", want: "ipv6"},
		{addr: "2002:808:808::1", want: "ipv4"},
		{addr: "2001::1", want: "ipv4"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			var addr netip.Addr
			if tt.addr != "" {
				addr = netip.MustParseAddr(tt.addr)
			}
			if got := nodeinfo.NetworkClass(addr); got != tt.want {
				t.Fatalf("NetworkClass(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// TestPeersAndNetworkOfTwoNodes connects b to a on loopback and reads both
// answers from each side.
func TestPeersAndNetworkOfTwoNodes(t *testing.T) {
	a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = []string{nodetest.ListenAddr(t, a).String()}
	b := nodetest.Start(t, cfg)
	nodetest.Eventually(t, 10*time.Second, "a and b handshaken", func() bool {
		return nodetest.HandshakenCount(t, a) == 1 && nodetest.HandshakenCount(t, b) == 1
	})

	infos, err := nodeinfo.Peers(b.System().Root, b.ConnMgr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("b has %d peers, want 1", len(infos))
	}
	p := infos[0]
	if p.Inbound || p.ConnectionType != "manual" || p.Network != "not_publicly_routable" ||
		p.TransportProtocolType != "v2" || len(p.SessionID) != 64 || p.Permissions == nil || p.Addr != nodetest.ListenAddr(t, a).String() {
		t.Fatalf("b's peer = %+v, want a manual outbound v2 connection to a on loopback with no permissions", p)
	}
	// Both ends of a v2 connection show one session id, as two Core nodes do.
	var ofA []*peer.Info
	nodetest.Eventually(t, 10*time.Second, "a's entry of b", func() bool {
		ofA = nodetest.Handshaken(nodetest.Peers(t, a), nil)
		return len(ofA) == 1 && ofA[0].SessionID != ""
	})
	if ofA[0].TransportProtocolType != "v2" || ofA[0].SessionID != p.SessionID {
		t.Fatalf("a's peer: %s %q, b's session id %q", ofA[0].TransportProtocolType, ofA[0].SessionID, p.SessionID)
	}
	// addrbind is b's end of the connection, which a sees as the peer's
	// address; addrlocal (what a says it sees) stays empty on loopback.
	aInfos, err := nodeinfo.Peers(a.System().Root, a.ConnMgr(), 2*time.Second)
	if err != nil || len(aInfos) != 1 {
		t.Fatalf("a's peers = %v (%v), want 1", aInfos, err)
	}
	if p.AddrBind == "" || p.AddrBind != aInfos[0].Addr || p.AddrLocal != "" {
		t.Fatalf("b's addrbind %q, addrlocal %q; a sees b at %q", p.AddrBind, p.AddrLocal, aInfos[0].Addr)
	}
	if aInfos[0].AddrBind != nodetest.ListenAddr(t, a).String() {
		t.Fatalf("a's addrbind %q, want its listening address %v", aInfos[0].AddrBind, nodetest.ListenAddr(t, a))
	}

	id := nodeinfo.Identity{
		Version: 100, SubVersion: "/test:0.1.0/", ProtocolVersion: protocol.ProtocolVersion,
		Services: protocol.SFNodeNetwork | protocol.SFNodeWitness, Relay: true,
	}
	info, err := nodeinfo.Network(a.System().Root, a.ConnMgr(), id, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if info.Connections != 1 || info.ConnectionsIn != 1 || info.ConnectionsOut != 0 {
		t.Fatalf("a's connections = %d (%d in, %d out), want 1 inbound", info.Connections, info.ConnectionsIn, info.ConnectionsOut)
	}
	if info.Version != 100 || info.SubVersion != "/test:0.1.0/" || !info.LocalRelay || info.LocalServices != "0000000000000009" ||
		!slices.Equal(info.LocalServicesNames, []string{"NETWORK", "WITNESS"}) {
		t.Fatalf("a's identity = %+v, want what it was given", info)
	}
	if len(info.Networks) != 5 || info.LocalAddresses == nil || info.Warnings == nil {
		t.Fatalf("a's networks %v, local addresses %v, warnings %v: want five networks and empty lists, not null",
			info.Networks, info.LocalAddresses, info.Warnings)
	}
}

// TestTransportDetectingUntilThePeerShowsV1: a connection to a node that
// speaks v2 is "detecting" in getpeerinfo, as Core's is, until its first
// bytes decide; a v1 version message makes it "v1".
func TestTransportDetectingUntilThePeerShowsV1(t *testing.T) {
	n := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	c, err := net.Dial("tcp", nodetest.ListenAddr(t, n).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	transport := func() string {
		infos, err := nodeinfo.Peers(n.System().Root, n.ConnMgr(), 2*time.Second)
		if err != nil || len(infos) != 1 {
			return ""
		}
		return infos[0].TransportProtocolType
	}
	nodetest.Eventually(t, 10*time.Second, "the silent connection detecting", func() bool { return transport() == "detecting" })

	v := &protocol.MsgVersion{ProtocolVersion: int32(protocol.ProtocolVersion), Nonce: 7, UserAgent: "/v1:0/",
		Timestamp: time.Now().Unix(), AddrFrom: protocol.NetAddress{Addr: netip.IPv6Unspecified()}}
	if _, err := c.Write(protocol.AppendFrame(nil, n.Params().Magic, v, protocol.ProtocolVersion)); err != nil {
		t.Fatal(err)
	}
	nodetest.Eventually(t, 10*time.Second, "v1 once its version came", func() bool { return transport() == "v1" })
}
