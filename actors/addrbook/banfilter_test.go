package addrbook

import (
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

func TestBanFilterExcludes(t *testing.T) {
	f := &BanFilter{
		Bans: []BannedSubnet{
			{Subnet: netip.MustParsePrefix("1.2.0.0/16"), Until: t0.Add(time.Hour)},
			{Subnet: netip.MustParsePrefix("2001:db8::/32"), Until: t0.Add(time.Hour)},
			{Subnet: netip.MustParsePrefix("7.7.7.7/32"), Until: t0.Add(-time.Second)}, // over
		},
		Discouraged: []netip.Addr{netip.MustParseAddr("5.6.7.8"), netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("2001:db9::1")},
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"1.2.3.4", true},
		{"::ffff:1.2.3.4", true},
		{"1.3.0.1", false},
		{"2001:db8::5", true},
		{"7.7.7.7", false},
		{"5.6.7.8", true},
		{"::ffff:9.9.9.9", true},
		{"2001:db9::1", true},
		{"5.6.7.9", false},
	} {
		if got := f.Excludes(netip.MustParseAddr(tc.addr), t0); got != tc.want {
			t.Errorf("Excludes(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	var none *BanFilter
	if none.Excludes(netip.MustParseAddr("1.2.3.4"), t0) {
		t.Error("a nil filter excludes")
	}
}

// Core's ProcessAddrs: a banned or discouraged address is remembered as
// known to the peer but neither counted, stored nor relayed.
func TestGossipSkipsBannedAndDiscouraged(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{})
	system.Root.Send(book, &BanFilter{
		Bans:        []BannedSubnet{{Subnet: netip.MustParsePrefix("1.2.0.0/16"), Until: time.Now().Add(time.Hour)}},
		Discouraged: []netip.Addr{netip.MustParseAddr("5.6.7.8")},
	})
	from := dispatcher.Sender{ID: 7, PID: p.PID(), Remote: netip.MustParseAddrPort("9.9.9.9:8333")}
	system.Root.Send(book, &Connected{ID: 7, Peer: p.PID(), Addr: from.Remote})
	actortest.ExpectMatch(t, p, wait, func(m *peer.SendMessage) bool { return m.Msg.Command() == protocol.CmdGetAddr })
	now := uint32(time.Now().Unix())
	full := protocol.SFNodeNetwork | protocol.SFNodeWitness
	system.Root.Send(book, &dispatcher.Deliver{From: from, Msg: &protocol.MsgAddr{AddrList: []protocol.NetAddress{
		{Timestamp: now, Services: full, Addr: netip.MustParseAddr("1.2.3.4"), Port: 8333},
		{Timestamp: now, Services: full, Addr: netip.MustParseAddr("5.6.7.8"), Port: 8333},
		{Timestamp: now, Services: full, Addr: netip.MustParseAddr("11.12.13.14"), Port: 8333},
	}}})
	st := bookStats(t, system, book, p)
	got := map[netip.AddrPort]bool{}
	for _, e := range st.List {
		got[e.Addr] = true
	}
	if got[netip.MustParseAddrPort("1.2.3.4:8333")] || got[netip.MustParseAddrPort("5.6.7.8:8333")] {
		t.Fatalf("book took a banned or discouraged address: %v", got)
	}
	if !got[netip.MustParseAddrPort("11.12.13.14:8333")] {
		t.Fatalf("book lost the good address: %v", got)
	}
	if st.Processed != 1 {
		t.Fatalf("processed %d, want 1 (Core counts neither banned nor discouraged)", st.Processed)
	}
}

// Core's GetAddresses: a getaddr answer leaves out what is banned or
// discouraged when it is built.
func TestGetAddrLeavesOutBannedAndDiscouraged(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{Network: mustNetwork(t, "regtest")})
	var addrs []protocol.NetAddress
	for i := range 6 {
		addrs = append(addrs, protocol.NetAddress{Services: protocol.SFNodeNetwork | protocol.SFNodeWitness,
			Addr: netip.AddrFrom4([4]byte{byte(3 + i), 3, 3, 3}), Port: 8333})
	}
	system.Root.Send(book, &Add{Addrs: addrs})
	system.Root.Send(book, &BanFilter{
		Bans:        []BannedSubnet{{Subnet: netip.MustParsePrefix("3.3.3.0/24"), Until: time.Now().Add(time.Hour)}},
		Discouraged: []netip.Addr{netip.MustParseAddr("4.3.3.3")},
	})
	asker := dispatcher.Sender{ID: 1, PID: p.PID(), Remote: netip.MustParseAddrPort("7.7.7.7:50000"), Inbound: true}
	system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: asker.Remote, Inbound: true})
	system.Root.Send(book, &dispatcher.Deliver{From: asker, Msg: &protocol.MsgGetAddr{}})
	m := actortest.ExpectMatch(t, p, wait, func(m *peer.SendMessage) bool { return m.Msg.Command() == protocol.CmdAddr })
	list := m.Msg.(*protocol.MsgAddr).AddrList
	if len(list) != 4 {
		t.Fatalf("answer holds %d addresses, want the 4 neither banned nor discouraged", len(list))
	}
	for _, na := range list {
		if a := na.Addr.String(); a == "3.3.3.3" || a == "4.3.3.3" {
			t.Fatalf("answer holds %s", a)
		}
	}
}
