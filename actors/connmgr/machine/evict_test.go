package machine

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func cand(id uint64, addr string, since int, ping time.Duration) evictCandidate {
	a := netip.MustParseAddr(addr)
	g := evictGroup(a)
	var keyed uint64
	for _, x := range []byte(g) {
		keyed = keyed*131 + uint64(x)
	}
	return evictCandidate{id: id, since: time.Unix(int64(since), 0), minPing: ping, group: g, keyed: keyed}
}

func TestSelectEvictProtectsThenTakesYoungestOfBiggestGroup(t *testing.T) {
	var cands []evictCandidate
	// 20 peers of one /16, connected at 100..119, and 12 of distinct
	// groups connected at 0..11.
	for i := range 20 {
		cands = append(cands, cand(uint64(100+i), fmt.Sprintf("8.8.%d.1", i), 100+i, 0))
	}
	for i := range 12 {
		cands = append(cands, cand(uint64(i), fmt.Sprintf("%d.1.1.1", 20+i), i, 0))
	}
	id, ok := selectEvict(cands)
	if !ok || id != 119 {
		t.Fatalf("evicted %d (%v), want the youngest of the biggest group, 119", id, ok)
	}
}

func TestSelectEvictProtectsLowPing(t *testing.T) {
	var cands []evictCandidate
	for i := range 30 {
		cands = append(cands, cand(uint64(i), fmt.Sprintf("8.8.%d.1", i), i, 0))
	}
	// The youngest has the best ping of all: protected; the next youngest
	// goes instead.
	cands[29].minPing = time.Millisecond
	id, ok := selectEvict(cands)
	if !ok || id != 28 {
		t.Fatalf("evicted %d (%v), want 28", id, ok)
	}
}

func TestSelectEvictRefusesWhenAllProtected(t *testing.T) {
	var cands []evictCandidate
	for i := range 8 {
		cands = append(cands, cand(uint64(i), fmt.Sprintf("%d.1.1.1", 10+i), i, 0))
	}
	if id, ok := selectEvict(cands); ok {
		t.Fatalf("evicted %d of 8 peers, all protected", id)
	}
	if _, ok := selectEvict(nil); ok {
		t.Fatal("evicted from no candidates")
	}
}

// TestGroupProtectionMayShareAGroup: Core protects the four peers with
// the highest keyed network groups, not four distinct groups, so four
// peers of one group with the highest key are all protected.
func TestGroupProtectionMayShareAGroup(t *testing.T) {
	var cands []evictCandidate
	for i := range 4 {
		c := cand(uint64(i), fmt.Sprintf("7.7.%d.1", i), 1000+i, 0) // youngest, one /16
		c.keyed = 1 << 40
		cands = append(cands, c)
	}
	for i := range 20 {
		c := cand(uint64(100+i), fmt.Sprintf("%d.1.1.1", 20+i), i, 0)
		c.keyed = uint64(i)
		cands = append(cands, c)
	}
	id, ok := selectEvict(cands)
	if !ok {
		t.Fatal("no victim")
	}
	if id < 4 {
		t.Fatalf("evicted %d, one of the four peers of the highest keyed group", id)
	}
}

// TestEvictGroupsAreCores: eviction balances by Core's GetGroup, in which
// every local address shares one group, and 6to4 counts as its IPv4 /16.
func TestEvictGroupsAreCores(t *testing.T) {
	if evictGroup(netip.MustParseAddr("127.0.0.1")) != evictGroup(netip.MustParseAddr("127.9.9.9")) {
		t.Error("two loopback addresses in different eviction groups")
	}
	if evictGroup(netip.MustParseAddr("2002:102:304::1")) != evictGroup(netip.MustParseAddr("1.2.9.9")) {
		t.Error("6to4 address not grouped by its IPv4 /16")
	}
	if netGroup(netip.MustParseAddrPort("127.0.0.1:1")) == netGroup(netip.MustParseAddrPort("127.0.0.1:2")) {
		t.Error("two local nodes share an outbound group")
	}
}
