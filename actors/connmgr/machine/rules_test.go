package machine

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// TestSpawnExpectsServicesByConnType: like Core's ExpectServicesFromConn,
// a full-relay or addr-fetch peer must offer NODE_NETWORK and NODE_WITNESS
// (this node has no recent block, so NODE_NETWORK_LIMITED does not do), and
// Spawn tells its peer so; inbound, manual and feeler peers may offer
// anything. The peer refuses such a version before the handshake: io's
// close report then reaches the machine with no handshake, which the book
// counts as a failed attempt. The machine itself no longer checks the
// services of a handshake (one home for the rule).
func TestSpawnExpectsServicesByConnType(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: -1, SeedNode: []string{"7.7.7.7"},
		AddNode: []string{"6.6.6.6"}})
	expect := map[uint64]protocol.ServiceFlag{}
	record := func(in input) input {
		return func(m *Machine, now time.Time, out []Action) []Action {
			n := len(out)
			out = in(m, now, out)
			for _, a := range out[n:] {
				if a.Kind == Spawn {
					expect[a.ID] = a.ExpectServices
				}
			}
			return out
		}
	}
	// What a peer's close report carries when it refused the version.
	refused := errors.New("peer disconnect: missing-services: peer does not offer the expected services")
	limited := Handshake{Services: protocol.SFNodeNetworkLimited | protocol.SFNodeWitness}
	runRounds(t, m, []round{
		{in: []input{start(), candidates("1.1.1.1:8333", "2.2.2.2:8333")}, want: []string{
			"dial #0 6.6.6.6:8333 manual", "dial #1 7.7.7.7:8333 addr-fetch", "ask 2",
			"dial #2 1.1.1.1:8333 outbound-full-relay", "dial #3 2.2.2.2:8333 outbound-full-relay",
		}},
		{in: []input{record(dialed(0, 10)), record(dialed(1, 11)), record(dialed(2, 12)), record(dialed(3, 13)),
			record(accepted(14, "9.9.9.9:1"))}, want: []string{
			"spawn 0 c10 6.6.6.6:8333 manual", "spawn 1 c11 7.7.7.7:8333 addr-fetch",
			"spawn 2 c12 1.1.1.1:8333 outbound-full-relay", "attempt 1.1.1.1:8333 ok",
			"spawn 3 c13 2.2.2.2:8333 outbound-full-relay", "attempt 2.2.2.2:8333 ok",
			"spawn 4 c14 9.9.9.9:1 inbound",
		}},
		{in: []input{closed(11, refused), closed(12, refused)}, want: []string{"attempt 1.1.1.1:8333 failed"}},
		{in: []input{handshakenWith(0, Handshake{}), handshakenWith(3, limited), handshakenWith(4, Handshake{})},
			want: []string{"connected 0 manual", "connected 3 outbound-full-relay", "connected 4 inbound"}},
	})
	full := protocol.SFNodeNetwork | protocol.SFNodeWitness
	want := map[uint64]protocol.ServiceFlag{0: 0, 1: full, 2: full, 3: full, 4: 0}
	if !maps.Equal(expect, want) {
		t.Fatalf("spawns expect %v, want %v", expect, want)
	}
	for _, ct := range []string{ConnInbound, ConnManual, ConnFeeler} {
		if got := expectedServices(ct); got != 0 {
			t.Errorf("%s connections expect %v, want nothing", ct, got)
		}
	}
}

// TestMisbehavingPeerDiscouraged follows Core's MaybeDiscourageAndDisconnect
// and the uses of BanMan's discouragement filter.
func TestMisbehavingPeerDiscouraged(t *testing.T) {
	// 4 inbound slots (7 - 2 outbound - 1 feeler).
	m := newTest(Config{MaxConnections: 7, MaxOutbound: 2, AddrBook: true, AddNode: []string{"6.6.6.6"}})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"dial #0 6.6.6.6:8333 manual", "ask 2"}},
		{in: []input{dialed(0, 10), accepted(1, "5.5.5.5:1"), accepted(2, "5.5.5.5:2"), accepted(3, "127.0.0.9:1")},
			want: []string{"spawn 0 c10 6.6.6.6:8333 manual", "spawn 1 c1 5.5.5.5:1 inbound",
				"spawn 2 c2 5.5.5.5:2 inbound", "spawn 3 c3 127.0.0.9:1 inbound"}},
		// A manual peer is never punished.
		{in: []input{misbehaved(0)}},
		// A local one is disconnected, its address not discouraged.
		{in: []input{misbehaved(3)}, want: []string{"close c3 misbehaving"}},
		// Any other: every connection from its address closed, the address
		// discouraged.
		{in: []input{misbehaved(1)}, want: []string{"close c1 misbehaving", "close c2 misbehaving"}},
		{at: time.Second, in: []input{closed(1, ReasonMisbehaved), closed(2, ReasonMisbehaved), closed(3, ReasonMisbehaved)}},
		// Not dialled.
		{at: time.Second, in: []input{candidates("5.5.5.5:8333", "4.4.4.4:8333")},
			want: []string{"dial #1 4.4.4.4:8333 outbound-full-relay"}},
		// Admitted while the inbound slots are not nearly full, and taken
		// first when one must go.
		{at: 2 * time.Second, in: []input{accepted(4, "5.5.5.5:3"), accepted(5, "8.8.8.8:1"), accepted(6, "127.0.0.9:2")},
			want: []string{"spawn 4 c4 5.5.5.5:3 inbound", "spawn 5 c5 8.8.8.8:1 inbound", "spawn 6 c6 127.0.0.9:2 inbound"}},
		// Now one slot is left: refused.
		{at: 3 * time.Second, in: []input{accepted(7, "5.5.5.5:4")}, want: []string{"close c7 discouraged"}},
		{at: 3 * time.Second, in: []input{accepted(8, "9.9.9.9:1")}, want: []string{"spawn 7 c8 9.9.9.9:1 inbound"}},
	})
	if !m.Discouraged(ap("5.5.5.5:1").Addr()) || m.Discouraged(ap("127.0.0.9:1").Addr()) {
		t.Fatal("discouraged the wrong addresses")
	}
}

func misbehaved(id uint64) input {
	return func(m *Machine, now time.Time, out []Action) []Action { return m.Misbehaved(now, id, out) }
}

// TestDiscouragedPeerEvictedFirst: Core's prefer_evict. Among the peers
// left after the protections, the discouraged ones are the only
// candidates, even in a smaller network group.
func TestDiscouragedPeerEvictedFirst(t *testing.T) {
	var cands []evictCandidate
	for i := range 30 {
		cands = append(cands, cand(uint64(i), fmt.Sprintf("8.8.%d.1", i), i, 0))
	}
	for i := range 3 {
		c := cand(uint64(100+i), fmt.Sprintf("9.9.%d.1", i), 50+i, 0)
		c.preferEvict = i == 2
		if c.preferEvict {
			c.keyed = 0 // below every other key: not protected by group
		}
		cands = append(cands, c)
	}
	// Protected: the four highest keys by group, eight by ping (none
	// measured: the longest connected), half the rest by uptime; 102 is
	// the youngest and has the lowest key.
	if id, ok := selectEvict(cands); !ok || id != 102 {
		t.Fatalf("evicted %d (%v), want the discouraged peer 102", id, ok)
	}
}

// TestEvictionReservesProtectionForLocalPeers: Core's
// ProtectEvictionCandidatesByRatio gives up to a quarter of the candidates'
// protected slots to the longest-connected localhost peers, however young.
func TestEvictionReservesProtectionForLocalPeers(t *testing.T) {
	var cands []evictCandidate
	// 30 public peers of one /16 connected at 0..29, 10 local ones at
	// 100..109.
	for i := range 30 {
		cands = append(cands, cand(uint64(i), fmt.Sprintf("8.8.%d.1", i), i, 0))
	}
	for i := range 10 {
		c := cand(uint64(100+i), fmt.Sprintf("127.0.0.%d", i+1), 100+i, 0)
		c.local = true
		cands = append(cands, c)
	}
	// Protected: one per group (0 and 100), the 8 "lowest" pings (1..8),
	// then of the 30 left 15: the 7 oldest local peers (101..107) and the
	// 8 oldest others (9..16). Left: 17..29 of 8.8.0.0/16 and 108, 109 of
	// 127.0.0.0/16: the youngest of the bigger group goes. By uptime alone
	// the 9 local peers would have been the biggest group.
	if id, ok := selectEvict(cands); !ok || id != 29 {
		t.Fatalf("evicted %d (%v), want 29", id, ok)
	}
	// All local (a node tested on loopback): the oldest half is protected,
	// as by uptime alone.
	cands = cands[:0]
	for i := range 40 {
		c := cand(uint64(i), fmt.Sprintf("127.%d.0.1", i%3), i, 0)
		c.local = true
		cands = append(cands, c)
	}
	if id, ok := selectEvict(cands); !ok || id != 39 {
		t.Fatalf("evicted %d (%v) of all-local peers, want the youngest, 39", id, ok)
	}
}

func TestIsLocal(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.9.9.9": true, "0.1.2.3": true, "::1": true, "::ffff:127.0.0.1": true,
		"10.0.0.1": false, "8.8.8.8": false, "::2": false, "fe80::1": false,
	} {
		if got := isLocal(netip.MustParseAddr(addr)); got != want {
			t.Errorf("isLocal(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestDiscouragementFilterForgetsTheOldest(t *testing.T) {
	var d discouraged
	addr := func(i int) string { return fmt.Sprintf("[::ffff:%d.%d.%d.1]:1", 10+i>>16, i>>8&255, i&255) }
	for i := range discourageCapacity + 10 {
		d.add(ap(addr(i)).Addr())
	}
	if d.has(ap(addr(9)).Addr()) || !d.has(ap(addr(10)).Addr()) || !d.has(ap(addr(discourageCapacity+9)).Addr()) {
		t.Fatal("the filter should hold the newest addresses and have forgotten the 10 oldest")
	}
	if len(d.set) != discourageCapacity {
		t.Fatalf("%d addresses held, want %d", len(d.set), discourageCapacity)
	}
}
