package machine

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// filters returns the Filter actions of out.
func filters(out []Action) []Action {
	var fs []Action
	for _, a := range out {
		if a.Kind == Filter {
			fs = append(fs, a)
		}
	}
	return fs
}

// lastFilter returns the only Filter action of out.
func lastFilter(t *testing.T, out []Action) Action {
	t.Helper()
	fs := filters(out)
	if len(fs) != 1 {
		t.Fatalf("%d filter actions in %+v, want 1", len(fs), out)
	}
	return fs[0]
}

func subnets(bans []BanEntry) []string {
	s := []string{}
	for _, b := range bans {
		s = append(s, b.Subnet.String())
	}
	return s
}

func addrs(list []netip.Addr) []string {
	s := []string{}
	for _, a := range list {
		s = append(s, a.String())
	}
	return s
}

// The address book hears of every change of the bans and the discouraged
// addresses (Core's ProcessAddrs and GetAddresses ask BanMan), at most
// once per TickInterval, and again every filterRefresh while the filter
// excludes anything.
func TestFilterFollowsBansAndDiscouragement(t *testing.T) {
	m := newTest(Config{AddrBook: true, MaxOutbound: 0, FeelerInterval: -1})
	if fs := filters(m.Start(t0, nil)); len(fs) != 0 {
		t.Fatalf("filter %+v at start with nothing to exclude", fs)
	}
	now := t0.Add(time.Second)
	f := lastFilter(t, m.Ban(now, netip.MustParsePrefix("10.1.0.0/16"), now.Add(time.Hour), nil))
	if got := subnets(f.Bans); !slices.Equal(got, []string{"10.1.0.0/16"}) || len(f.Discouraged) != 0 {
		t.Fatalf("filter bans %v discouraged %v", got, addrs(f.Discouraged))
	}

	// A misbehaving peer soon after: held back until a Tick at least
	// TickInterval after the last filter.
	out := m.Accepted(now, 7, ap("5.5.5.5:1"), ap("192.168.0.2:8333"), nil)
	m.Spawned(now, out[len(out)-1].ID, "pid", nil)
	out = m.Misbehaved(now.Add(100*time.Millisecond), 0, nil)
	if fs := filters(out); len(fs) != 0 {
		t.Fatalf("filter sent again within TickInterval: %+v", fs)
	}
	if fs := filters(m.Tick(now.Add(200*time.Millisecond), nil)); len(fs) != 0 {
		t.Fatalf("filter sent again within TickInterval at a tick: %+v", fs)
	}
	f = lastFilter(t, m.Tick(now.Add(TickInterval), nil))
	if got := addrs(f.Discouraged); !slices.Equal(got, []string{"5.5.5.5"}) || len(f.Bans) != 1 {
		t.Fatalf("filter bans %v discouraged %v", subnets(f.Bans), got)
	}
	if fs := filters(m.Tick(now.Add(2*TickInterval), nil)); len(fs) != 0 {
		t.Fatalf("filter sent without a change: %+v", fs)
	}
	// An operator's ban goes out at once, however soon after the last.
	f = lastFilter(t, m.Ban(now.Add(2*TickInterval), netip.MustParsePrefix("10.3.0.0/16"), now.Add(time.Hour), nil))
	if len(f.Bans) != 2 || len(f.Discouraged) != 1 {
		t.Fatalf("filter after a second ban %+v", f)
	}
	m.Unban(now.Add(2*TickInterval), netip.MustParsePrefix("10.3.0.0/16"), nil)

	// Refreshed while it excludes something.
	now = now.Add(2*TickInterval + filterRefresh)
	f = lastFilter(t, m.Tick(now, nil))
	if len(f.Bans) != 1 || len(f.Discouraged) != 1 {
		t.Fatalf("refreshed filter %+v", f)
	}

	// Lifting the ban changes it; discouragement stays (Core's
	// clearbanned does not touch it either).
	now = now.Add(time.Second)
	f = lastFilter(t, m.ClearBans(now, nil))
	if len(f.Bans) != 0 || !slices.Equal(addrs(f.Discouraged), []string{"5.5.5.5"}) {
		t.Fatalf("filter after clearbanned %+v", f)
	}

	// An expired ban leaves the filter at the next Tick.
	now = now.Add(time.Second)
	lastFilter(t, m.Ban(now, netip.MustParsePrefix("10.2.0.0/16"), now.Add(2*time.Second), nil))
	f = lastFilter(t, m.Tick(now.Add(3*time.Second), nil))
	if len(f.Bans) != 0 {
		t.Fatalf("expired ban still in the filter: %v", subnets(f.Bans))
	}
}

// Without an address book there is nobody to tell.
func TestNoFilterWithoutAddrBook(t *testing.T) {
	m := newTest(Config{})
	m.Start(t0, nil)
	if fs := filters(m.Ban(t0, netip.MustParsePrefix("10.1.0.0/16"), t0.Add(time.Hour), nil)); len(fs) != 0 {
		t.Fatalf("filter %+v without an address book", fs)
	}
}

// Bans loaded from the file reach the address book at Start.
func TestFilterAtStartWithLoadedBans(t *testing.T) {
	m := newTest(Config{AddrBook: true, FeelerInterval: -1})
	m.LoadBans(t0, []BanEntry{{Subnet: netip.MustParsePrefix("10.1.0.0/16"), Since: t0, Until: t0.Add(time.Hour)}}, false)
	f := lastFilter(t, m.Start(t0, nil))
	if got := subnets(f.Bans); !slices.Equal(got, []string{"10.1.0.0/16"}) {
		t.Fatalf("filter at start %v", got)
	}
}

// A report of misbehaviour counts even when the peer has already left the
// table: its termination (a system message) or io's report of the close
// may be handled before the report.
func TestLateMisbehaviourStillDiscourages(t *testing.T) {
	m := newTest(Config{MaxConnections: 20, AddrBook: true, FeelerInterval: -1, AddNode: []string{"6.6.6.6"}})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"dial #0 6.6.6.6:8333 manual"}},
		{in: []input{dialed(0, 10), accepted(1, "5.5.5.5:1"), accepted(2, "5.5.5.5:2"), accepted(3, "7.7.7.7:1"),
			accepted(4, "127.0.0.9:1")},
			want: []string{"spawn 0 c10 6.6.6.6:8333 manual", "spawn 1 c1 5.5.5.5:1 inbound",
				"spawn 2 c2 5.5.5.5:2 inbound", "spawn 3 c3 7.7.7.7:1 inbound", "spawn 4 c4 127.0.0.9:1 inbound"}},
		// Peer 1 stopped, then misbehaved: its address is discouraged and
		// the other connection from it closed.
		{in: []input{peerStopped(1)}, want: []string{"close c1 peer actor stopped"}},
		{in: []input{misbehaved(1)}, want: []string{"close c2 misbehaving"}},
		// Peer 3's close came first (the remote hung up at once).
		{in: []input{closed(3, nil), misbehaved(3)}},
		// A manual peer gone stays unpunished, and so does a local one.
		{in: []input{closed(10, nil), misbehaved(0), closed(4, nil), misbehaved(4)}},
		// A peer never seen: nothing.
		{in: []input{misbehaved(99)}},
	})
	for addr, want := range map[string]bool{"5.5.5.5": true, "7.7.7.7": true, "6.6.6.6": false, "127.0.0.9": false} {
		if got := m.Discouraged(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s discouraged = %v, want %v", addr, got, want)
		}
	}
}

// The machine remembers goneCapacity peers that left, the latest.
func TestGoneRingKeepsTheLatest(t *testing.T) {
	var g goneRing
	for i := range goneCapacity + 5 {
		g.add(gonePeer{id: uint64(i)})
	}
	if _, ok := g.find(4); ok {
		t.Fatal("oldest peer still remembered")
	}
	if _, ok := g.find(5); !ok {
		t.Fatal("peer 5 forgotten")
	}
	if _, ok := g.find(goneCapacity + 4); !ok {
		t.Fatal("latest peer forgotten")
	}
	if len(g.ring) != goneCapacity {
		t.Fatalf("%d remembered", len(g.ring))
	}
}
