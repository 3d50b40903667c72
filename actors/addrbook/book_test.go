package addrbook

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

var t0 = time.Unix(1_700_000_000, 0)

func testBook(seed uint64) (*book, *rand.Rand) {
	var key [32]byte
	key[0] = byte(seed)
	return newBook(key), rand.New(rand.NewPCG(seed, seed+1))
}

func ipKey(s string) addrKey { return keyFromAddrPort(netip.MustParseAddrPort(s)) }

// v4 is the address a.b.c.d:8333.
func v4(a, b, c, d byte) addrKey {
	return keyFromAddrPort(netip.AddrPortFrom(netip.AddrFrom4([4]byte{a, b, c, d}), 8333))
}

func TestValid(t *testing.T) {
	tests := []struct {
		name       string
		addr       string
		allowLocal bool
		want       bool
	}{
		{name: "public v4", addr: "1.2.3.4:8333", want: true},
		{name: "public v6", addr: "[2a01:4f8::1]:8333", want: true},
		{name: "port 0", addr: "1.2.3.4:0", want: false},
		{name: "unspecified", addr: "0.0.0.0:8333", want: false},
		{name: "broadcast", addr: "255.255.255.255:8333", allowLocal: true, want: false},
		{name: "private", addr: "10.1.2.3:8333", want: false},
		{name: "private on regtest", addr: "10.1.2.3:8333", allowLocal: true, want: true},
		{name: "loopback", addr: "127.0.0.1:8333", want: false},
		{name: "loopback on regtest", addr: "127.0.0.1:8333", allowLocal: true, want: true},
		{name: "documentation", addr: "203.0.113.9:8333", want: false},
		{name: "documentation on regtest", addr: "203.0.113.9:8333", allowLocal: true, want: false},
		{name: "unique local v6", addr: "[fc00::1]:8333", want: false},
		{name: "mapped public", addr: "[::ffff:1.2.3.4]:8333", want: true},
		// Core's IsRoutable counts these routable, and so does the book.
		{name: "teredo", addr: "[2001::1]:8333", want: true},
		{name: "6to4", addr: "[2002:102:304::1]:8333", want: true},
		{name: "nat64", addr: "[64:ff9b::102:304]:8333", want: true},
		{name: "multicast", addr: "224.0.0.1:8333", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ipKey(tt.addr).valid(tt.allowLocal); got != tt.want {
				t.Fatalf("valid(%s, %v) = %v, want %v", tt.addr, tt.allowLocal, got, tt.want)
			}
		})
	}
	i2p := addrKey{net: protocol.NetI2P, addr: [32]byte{1}}
	if !i2p.valid(false) {
		t.Error("an I2P address on port 0 is not valid")
	}
	i2p.port = 8333
	if i2p.valid(false) {
		t.Error("an I2P address with a port is valid")
	}
}

func TestGroup(t *testing.T) {
	group := func(s string) string { return string(ipKey(s).group(nil)) }
	same := [][2]string{
		{"1.2.3.4:8333", "1.2.200.9:8333"},
		{"[2a01:4f8::1]:8333", "[2a01:4f8:ffff::2]:8333"},
		{"[2001:470:1000::1]:8333", "[2001:470:1fff::1]:8333"},
		{"1.2.3.4:8333", "[2002:102:909::1]:8333"},  // 6to4 of 1.2.9.9
		{"1.2.3.4:8333", "[64:ff9b::102:909]:8333"}, // NAT64 of 1.2.9.9
	}
	for _, p := range same {
		if group(p[0]) != group(p[1]) {
			t.Errorf("%s and %s are in different groups", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"1.2.3.4:8333", "1.3.3.4:8333"},
		{"[2a01:4f8::1]:8333", "[2a01:4f9::1]:8333"},
		{"[2001:470:1000::1]:8333", "[2001:470:2000::1]:8333"},
		{"127.0.0.1:8333", "10.0.0.1:8333"},
		{"1.2.3.4:8333", "[::ffff:1.3.0.0]:8333"},
		// On regtest, local addresses are groups of their own.
		{"127.0.0.2:1", "127.0.0.2:2"},
	}
	for _, p := range differ {
		if group(p[0]) == group(p[1]) {
			t.Errorf("%s and %s share a group", p[0], p[1])
		}
	}
	// Tor, I2P and CJDNS are grouped by the first 4 bits of their keys
	// (12 for CJDNS), as in Core.
	onion := addrKey{net: protocol.NetTorV3, port: 8333}
	other := onion
	other.addr[0] = 0x0f
	if string(onion.group(nil)) != string(other.group(nil)) {
		t.Error("two Tor addresses of the same first 4 bits are in different groups")
	}
	other.addr[0] = 0xf0
	if string(onion.group(nil)) == string(other.group(nil)) {
		t.Error("two Tor addresses of different first 4 bits share a group")
	}
	// A source is grouped as Core does: all local sources are one group.
	k := ipKey("1.2.3.4:8333")
	if string(sourceGroup(nil, netip.MustParseAddr("127.0.0.1"), k)) != string(sourceGroup(nil, netip.MustParseAddr("10.0.0.1"), k)) {
		t.Error("two local sources are in different groups")
	}
}

// bucketsOf lists the new buckets holding entries, and the tried ones.
func bucketsOf(b *book) (newB, triedB map[int]bool) {
	newB, triedB = map[int]bool{}, map[int]bool{}
	for i := range b.newTable {
		for _, e := range b.newTable[i] {
			if e != nil {
				newB[i] = true
			}
		}
	}
	for i := range b.triedTable {
		for _, e := range b.triedTable[i] {
			if e != nil {
				triedB[i] = true
			}
		}
	}
	return newB, triedB
}

// TestAttackerReachesBoundedBuckets: the bucket maths keep an attacker
// within a few buckets. Addresses of one /16 told by one source group all
// land in one new bucket; addresses of any group told by one source group
// reach at most newBucketsPerSourceGroup; an attacker holding one /16 and
// telling its addresses through many source groups reaches one new bucket
// per source group and, once they connect, at most triedBucketsPerGroup
// tried buckets.
func TestAttackerReachesBoundedBuckets(t *testing.T) {
	t.Run("one /16 from one source group", func(t *testing.T) {
		b, rng := testBook(1)
		for i := range 2000 {
			src := netip.AddrFrom4([4]byte{9, 9, byte(i), 1}) // one /16 of sources
			b.add(v4(50, 60, byte(i>>8), byte(i)), 1, t0, src, 0, t0, rng)
		}
		if newB, _ := bucketsOf(b); len(newB) != 1 {
			t.Fatalf("one /16 from one source group reached %d new buckets, want 1", len(newB))
		}
		if b.len() > bucketSize {
			t.Fatalf("book holds %d of the attacker's addresses, at most a bucket (%d)", b.len(), bucketSize)
		}
	})
	t.Run("many groups from one source group", func(t *testing.T) {
		b, rng := testBook(2)
		src := netip.MustParseAddr("9.9.9.9")
		for i := range 20_000 {
			b.add(v4(byte(1+i%200), byte(i/200), 1, 1), 1, t0, src, 0, t0, rng)
		}
		newB, _ := bucketsOf(b)
		if len(newB) > newBucketsPerSourceGroup {
			t.Fatalf("one source group reached %d new buckets, limit %d", len(newB), newBucketsPerSourceGroup)
		}
		if b.len() > newBucketsPerSourceGroup*bucketSize {
			t.Fatalf("one source group holds %d entries, limit %d", b.len(), newBucketsPerSourceGroup*bucketSize)
		}
	})
	t.Run("one /16 through many source groups", func(t *testing.T) {
		b, rng := testBook(3)
		const sources = 300
		var attacker []addrKey
		for i := range 5000 {
			k := v4(50, 60, byte(i>>8), byte(i))
			attacker = append(attacker, k)
			src := netip.AddrFrom4([4]byte{byte(1 + i%sources/200), byte(i % sources), 7, 7})
			b.add(k, 1, t0, src, 0, t0, rng)
		}
		newB, _ := bucketsOf(b)
		if len(newB) > sources {
			t.Fatalf("%d source groups reached %d new buckets, want at most one each", sources, len(newB))
		}
		// Every one of them connects: they all want the tried table.
		for _, k := range attacker {
			b.good(k, 1, false, t0)
		}
		_, triedB := bucketsOf(b)
		if len(triedB) > triedBucketsPerGroup {
			t.Fatalf("one /16 reached %d tried buckets, limit %d", len(triedB), triedBucketsPerGroup)
		}
		if b.triedLen() > triedBucketsPerGroup*bucketSize {
			t.Fatalf("one /16 holds %d tried slots, limit %d", b.triedLen(), triedBucketsPerGroup*bucketSize)
		}
		checkConsistent(t, b)
	})
}

// checkConsistent verifies the tables, lists and map agree.
func checkConsistent(t *testing.T, b *book) {
	t.Helper()
	refs := map[*entry]int{}
	for i := range b.newTable {
		for pos, e := range b.newTable[i] {
			if e == nil {
				continue
			}
			if e.tried || b.bucketPos(true, i, e.key) != pos {
				t.Fatalf("new[%d][%d] holds %v (tried %v) at the wrong place", i, pos, e.key, e.tried)
			}
			refs[e]++
		}
	}
	for i := range b.triedTable {
		for pos, e := range b.triedTable[i] {
			if e == nil {
				continue
			}
			if !e.tried || b.triedBucket(e.key) != i || b.bucketPos(false, i, e.key) != pos {
				t.Fatalf("tried[%d][%d] holds %v at the wrong place", i, pos, e.key)
			}
			refs[e]++
		}
	}
	if len(refs) != len(b.entries) || len(b.entries) != b.len() {
		t.Fatalf("%d entries in tables, %d in the map, %d in the lists", len(refs), len(b.entries), b.len())
	}
	for e, n := range refs {
		if b.entries[e.key] != e {
			t.Fatalf("%v in a table but not the map", e.key)
		}
		if !e.tried && n != len(e.buckets) {
			t.Fatalf("%v: %d slots, %d buckets recorded", e.key, n, len(e.buckets))
		}
	}
	for i, e := range b.newList {
		if e.index != i || e.tried {
			t.Fatalf("new list %d: index %d tried %v", i, e.index, e.tried)
		}
	}
	for i, e := range b.triedList {
		if e.index != i || !e.tried {
			t.Fatalf("tried list %d: index %d tried %v", i, e.index, e.tried)
		}
	}
}

func TestSelectNeverRepeatsWhenOthersExist(t *testing.T) {
	for _, n := range []int{2, 3, 10} {
		b, rng := testBook(uint64(n))
		for i := range n {
			k := v4(byte(10+i), 1, 1, 1)
			b.add(k, 1, t0, netip.Addr{}, 0, t0, rng)
			if i%2 == 0 {
				b.good(k, 1, false, t0) // some tried, some new
			}
		}
		now := t0.Add(time.Hour)
		var last addrKey
		seen := map[addrKey]bool{}
		for i := range 2000 {
			e := b.selectEntry(now, rng, false)
			if e == nil {
				t.Fatalf("n=%d: select %d found nothing", n, i)
			}
			if i > 0 && e.key == last {
				t.Fatalf("n=%d: select returned %v twice in a row", n, last)
			}
			last = e.key
			seen[e.key] = true
		}
		if len(seen) != n {
			t.Errorf("n=%d: select reached %d of the addresses", n, len(seen))
		}
	}
	// With a single address, it is returned every time.
	b, rng := testBook(9)
	b.add(v4(1, 1, 1, 1), 1, t0, netip.Addr{}, 0, t0, rng)
	for range 5 {
		if b.selectEntry(t0, rng, false) == nil {
			t.Fatal("the only address was not selected")
		}
	}
}

func TestSelectEvenOddsAndNoNonIP(t *testing.T) {
	b, rng := testBook(4)
	for i := range 50 {
		b.add(v4(byte(10+i), 1, 1, 1), 1, t0, netip.Addr{}, 0, t0, rng)
	}
	tried := v4(99, 1, 1, 1)
	b.add(tried, 1, t0, netip.Addr{}, 0, t0, rng)
	b.good(tried, 1, false, t0)
	onion := addrKey{net: protocol.NetTorV3, port: 8333}
	onion.addr[3] = 7
	b.add(onion, 1, t0, netip.Addr{}, 0, t0, rng)
	now := t0.Add(time.Hour)
	hits := 0
	for range 2000 {
		e := b.selectEntry(now, rng, false)
		if !e.key.ip() {
			t.Fatalf("selected %v, which we cannot dial", e.key)
		}
		if e.key == tried {
			hits++
		}
	}
	// One tried address against 50 new ones: the tables have even odds, but
	// never twice in a row, so about a third of the picks.
	if hits < 500 || hits > 900 {
		t.Fatalf("the lone tried address was picked %d times in 2000, want about 1/3", hits)
	}
}

func TestGoodMovesToTriedAndCollisionsWait(t *testing.T) {
	b, rng := testBook(5)
	k := v4(1, 2, 3, 4)
	b.add(k, 1, t0, netip.Addr{}, 0, t0, rng)
	b.good(k, protocol.SFNodeNetwork, true, t0)
	if e := b.entries[k]; !e.tried || b.triedLen() != 1 || b.newLen() != 0 {
		t.Fatalf("after good: tried=%v new=%d tried=%d", e.tried, b.newLen(), b.triedLen())
	}
	rival := triedRival(t, b, k)
	now := t0.Add(5 * time.Hour) // k connected more than 4 h ago
	b.add(rival, 1, now, netip.Addr{}, 0, now, rng)
	b.good(rival, 1, true, now)
	if b.entries[rival].tried {
		t.Fatal("rival took the tried slot without a test")
	}
	if len(b.collisions) != 1 {
		t.Fatalf("collisions = %d, want 1", len(b.collisions))
	}
	// The holder is offered first, as the test.
	if got := b.candidates(1, nil, now, rng); len(got) != 1 || keyFromAddrPort(got[0]) != k {
		t.Fatalf("candidates = %v, want the holder %v to test", got, k)
	}
	// The holder was tried (just now, by the test) and did not connect:
	// after a minute the rival takes its place and the holder goes to new.
	b.attempt(k, true, now)
	b.resolveCollisions(now.Add(30 * time.Second))
	if b.entries[rival].tried {
		t.Fatal("collision resolved within the minute the holder has to connect")
	}
	b.resolveCollisions(now.Add(2 * time.Minute))
	if !b.entries[rival].tried || b.entries[k] == nil || b.entries[k].tried {
		t.Fatalf("after the failed test: rival tried=%v, holder=%+v", b.entries[rival].tried, b.entries[k])
	}
	checkConsistent(t, b)
}

func TestCandidatesBackoffAndExclude(t *testing.T) {
	b, rng := testBook(6)
	a1, a2, a3 := v4(1, 0, 0, 1), v4(2, 0, 0, 2), v4(3, 0, 0, 3)
	for _, k := range []addrKey{a1, a2, a3} {
		b.add(k, 1, t0, netip.Addr{}, 0, t0, rng)
	}
	ap := func(k addrKey) netip.AddrPort { a, _ := k.addrPort(); return a }
	b.attempt(a1, true, t0) // failing: backoff running
	got := b.candidates(10, map[netip.AddrPort]bool{ap(a2): true}, t0.Add(time.Second), rng)
	if len(got) != 1 || got[0] != ap(a3) {
		t.Fatalf("candidates = %v, want [%v]", got, a3)
	}
	// After the backoff (and recentTry), a1 is offered again.
	later := t0.Add(recentTry + time.Second)
	if got := b.candidates(10, nil, later, rng); len(got) != 3 {
		t.Fatalf("after backoff: candidates = %v, want 3", got)
	}
	// A second failure, counted after a good elsewhere, doubles the wait.
	b.add(v4(4, 0, 0, 4), 1, later, netip.Addr{}, 0, later, rng)
	b.good(v4(4, 0, 0, 4), 1, false, later)
	b.attempt(a1, true, later.Add(time.Second))
	if b.entries[a1].attempts != 2 {
		t.Fatalf("attempts = %d, want 2", b.entries[a1].attempts)
	}
	for _, a := range b.candidates(10, nil, later.Add(retryBase+30*time.Second), rng) {
		if a == ap(a1) {
			t.Fatalf("a1 offered before twice the backoff")
		}
	}
	// Without a good in between, further failures are not counted (our
	// own network may be down), as in Core.
	b.attempt(a1, true, later.Add(time.Hour))
	if b.entries[a1].attempts != 2 {
		t.Fatalf("attempts = %d after a failure with no good since, want 2", b.entries[a1].attempts)
	}
}

func TestCandidatesPreferFresh(t *testing.T) {
	b, rng := testBook(7)
	fresh, tried := v4(1, 0, 0, 1), v4(2, 0, 0, 2)
	b.add(fresh, 1, t0, netip.Addr{}, 0, t0, rng)
	b.add(tried, 1, t0, netip.Addr{}, 0, t0, rng)
	b.attempt(tried, false, t0)
	ap, _ := fresh.addrPort()
	for range 20 {
		got := b.candidates(1, nil, t0.Add(time.Minute), rng)
		if len(got) != 1 || got[0] != ap {
			t.Fatalf("candidates(1) = %v, want the untried %v", got, fresh)
		}
	}
	if got := b.candidates(2, nil, t0.Add(time.Minute), rng); len(got) != 2 {
		t.Fatalf("candidates(2) = %v, want both (recent ones fill up)", got)
	}
}

func TestTerribleAddressesAgeOut(t *testing.T) {
	b, rng := testBook(8)
	old := v4(1, 0, 0, 1)
	b.add(old, 1, t0.Add(-horizon-time.Hour), netip.Addr{}, 0, t0, rng)
	future := v4(2, 0, 0, 2)
	b.add(future, 1, t0.Add(2*time.Hour), netip.Addr{}, 0, t0, rng)
	failing := v4(3, 0, 0, 3)
	b.add(failing, 1, t0, netip.Addr{}, 0, t0, rng)
	for i := range maxRetries {
		b.lastGood = t0.Add(time.Duration(i)*time.Minute + time.Second) // a good elsewhere
		b.attempt(failing, true, t0.Add(time.Duration(i+1)*time.Minute))
	}
	good := v4(4, 0, 0, 4)
	b.add(good, 1, t0, netip.Addr{}, 0, t0, rng)
	now := t0.Add(time.Hour)
	for k, want := range map[addrKey]bool{old: true, future: true, failing: true, good: false} {
		if got := b.entries[k].terrible(now); got != want {
			t.Errorf("%v terrible = %v, want %v", k, got, want)
		}
	}
	// A getaddr answer leaves them out; a new address takes their slots.
	for _, e := range b.sample(0, 0, 0, now, rng) {
		if e.key != good {
			t.Errorf("sample holds terrible %v", e.key)
		}
	}
}

func TestSampleShare(t *testing.T) {
	b, rng := testBook(10)
	for i := range 2000 {
		b.add(v4(byte(11+i%80), byte(i/80), 0, 1), 1, t0, netip.MustParseAddr("9.9.9.9"), 0, t0, rng)
	}
	n := b.len()
	got := b.sample(maxGetAddrReply, maxGetAddrPct, minGetAddrReply, t0, rng)
	if want := maxGetAddrPct * n / 100; len(got) != want || want > maxGetAddrReply {
		t.Fatalf("sample of %d = %d, want 23%%: %d", n, len(got), want)
	}
	// A big book: at most 1000.
	for i := range 30_000 {
		src := netip.AddrFrom4([4]byte{byte(11 + i%80), byte(i / 80), 9, 9})
		b.add(v4(byte(11+i%80), byte(i/80), 1, 1), 1, t0, src, 0, t0, rng)
	}
	if b.len()*maxGetAddrPct/100 <= maxGetAddrReply {
		t.Fatalf("book of %d too small for the test", b.len())
	}
	if got := b.sample(maxGetAddrReply, maxGetAddrPct, minGetAddrReply, t0, rng); len(got) != maxGetAddrReply {
		t.Fatalf("sample of %d = %d, want %d", b.len(), len(got), maxGetAddrReply)
	}
	// A tiny book is shared whole, up to minGetAddrReply.
	small, rng := testBook(11)
	for i := range 3 {
		small.add(v4(byte(20+i), 1, 1, 1), 1, t0, netip.Addr{}, 0, t0, rng)
	}
	if got := small.sample(maxGetAddrReply, maxGetAddrPct, minGetAddrReply, t0, rng); len(got) != 3 {
		t.Fatalf("sample of a 3-address book = %d, want 3", len(got))
	}
}

// TestLocalNodesSpreadOverBuckets: on regtest, many nodes on loopback told
// by one local source all find a slot.
func TestLocalNodesSpreadOverBuckets(t *testing.T) {
	b, rng := testBook(12)
	src := netip.MustParseAddr("127.0.0.1")
	added := 0
	for i := range 20 {
		k := keyFromAddrPort(netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i%4)}), uint16(20000+i)))
		if b.add(k, 1, t0, src, 0, t0, rng) {
			added++
		}
	}
	if added < 19 {
		t.Fatalf("%d of 20 local nodes took a slot", added)
	}
}

func TestFeelerCandidateTestsACollisionElseTakesANewAddress(t *testing.T) {
	b, rng := testBook(7)
	ap := func(k addrKey) netip.AddrPort { a, _ := k.addrPort(); return a }
	holder := v4(1, 2, 3, 4)
	b.add(holder, 1, t0, netip.Addr{}, 0, t0, rng)
	b.good(holder, 1, true, t0)
	fresh := []addrKey{v4(5, 0, 0, 1), v4(6, 0, 0, 1)}
	for _, k := range fresh {
		b.add(k, 1, t0, netip.Addr{}, 0, t0, rng)
	}
	now := t0.Add(time.Hour)
	// No collision: only new-table addresses, never the tried holder.
	for range 50 {
		got, ok := b.feelerCandidate(nil, now, rng)
		if !ok || keyFromAddrPort(got) == holder {
			t.Fatalf("feeler candidate %v (ok %v), want a new-table address", got, ok)
		}
	}
	// Excluded and backing-off addresses are skipped.
	b.attempt(fresh[0], true, now)
	if got, ok := b.feelerCandidate(map[netip.AddrPort]bool{ap(fresh[1]): true}, now.Add(time.Second), rng); ok {
		t.Fatalf("feeler candidate %v, want none (one excluded, one backing off)", got)
	}

	// A rival for the holder's tried slot: the holder is the feeler's test.
	rival := triedRival(t, b, holder)
	later := now.Add(5 * time.Hour)
	b.add(rival, 1, later, netip.Addr{}, 0, later, rng)
	b.good(rival, 1, true, later)
	if got, ok := b.feelerCandidate(nil, later, rng); !ok || keyFromAddrPort(got) != holder {
		t.Fatalf("feeler candidate %v, want the collision's holder %v", got, holder)
	}
	// A holder we are connected to is alive: marked good, the collision
	// settles in its favour, and the feeler goes to a new address.
	got, ok := b.feelerCandidate(map[netip.AddrPort]bool{ap(holder): true}, later, rng)
	if !ok || keyFromAddrPort(got) == holder {
		t.Fatalf("feeler candidate %v, want a new address while the holder is connected", got)
	}
	b.resolveCollisions(later.Add(time.Minute))
	if !b.entries[holder].tried || b.entries[rival].tried {
		t.Fatal("the connected holder lost its tried slot")
	}
	checkConsistent(t, b)
}

// triedRival finds another address of 1.2.0.0/16 that k's tried slot would
// take; the test is skipped if none is found.
func triedRival(t *testing.T, b *book, k addrKey) addrKey {
	t.Helper()
	bucket := b.triedBucket(k)
	pos := b.bucketPos(false, bucket, k)
	for i := range 1 << 16 {
		r := v4(1, 2, byte(i>>8), byte(i))
		if r != k && b.triedBucket(r) == bucket && b.bucketPos(false, bucket, r) == pos {
			return r
		}
	}
	t.Skip("no rival address found for the slot")
	return addrKey{}
}

// TestCandidatesPassOverBadPorts: as Core's connection loop, picks skip an
// address on another service's port (SSH here) for the first 50 tries, so
// it is dialled only when nothing else turns up.
func TestCandidatesPassOverBadPorts(t *testing.T) {
	b, rng := testBook(7)
	ssh := ipKey("11.0.0.1:22")
	b.add(ssh, protocol.SFNodeNetwork, t0, netip.Addr{}, 0, t0, rng)
	for i := range 20 {
		b.add(v4(20+byte(i), 1, 1, 1), protocol.SFNodeNetwork, t0, netip.Addr{}, 0, t0, rng)
	}
	now := t0.Add(time.Hour)
	for range 50 {
		for _, ap := range b.candidates(8, nil, now, rng) {
			if ap.Port() == 22 {
				t.Fatalf("candidates gave %s while others were left", ap)
			}
		}
		if ap, ok := b.feelerCandidate(nil, now, rng); ok && ap.Port() == 22 {
			t.Fatalf("feeler candidate %s while others were left", ap)
		}
	}
	alone, rng := testBook(8)
	alone.add(ssh, protocol.SFNodeNetwork, t0, netip.Addr{}, 0, t0, rng)
	if got := alone.candidates(1, nil, now, rng); len(got) != 1 || got[0].Port() != 22 {
		t.Fatalf("candidates of a book holding only %s: %v; want it after 50 tries", ssh, got)
	}
}
