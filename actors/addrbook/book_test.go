package addrbook

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

func TestUsable(t *testing.T) {
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
		{name: "private", addr: "10.1.2.3:8333", want: false},
		{name: "private on regtest", addr: "10.1.2.3:8333", allowLocal: true, want: true},
		{name: "loopback", addr: "127.0.0.1:8333", want: false},
		{name: "loopback on regtest", addr: "127.0.0.1:8333", allowLocal: true, want: true},
		{name: "documentation", addr: "203.0.113.9:8333", want: false},
		{name: "unique local v6", addr: "[fc00::1]:8333", want: false},
		{name: "multicast", addr: "224.0.0.1:8333", allowLocal: true, want: false},
		{name: "mapped public", addr: "[::ffff:1.2.3.4]:8333", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := usable(netip.MustParseAddrPort(tt.addr), tt.allowLocal); got != tt.want {
				t.Fatalf("usable(%s, %v) = %v, want %v", tt.addr, tt.allowLocal, got, tt.want)
			}
		})
	}
}

func TestCandidatesBackoffAndExclude(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Unix(1_700_000_000, 0)
	b := newBook(100)
	a1 := netip.MustParseAddrPort("1.0.0.1:8333")
	a2 := netip.MustParseAddrPort("1.0.0.2:8333")
	a3 := netip.MustParseAddrPort("1.0.0.3:8333")
	for _, a := range []netip.AddrPort{a1, a2, a3} {
		b.add(a, 1, now, netip.Addr{}, now, rng)
	}
	b.attempt(a1, false, now) // failing: backoff running
	got := b.candidates(10, map[netip.AddrPort]bool{a2: true}, now.Add(time.Second), rng)
	if len(got) != 1 || got[0] != a3 {
		t.Fatalf("candidates = %v, want [%v]", got, a3)
	}
	// After the backoff, a1 is offered again.
	got = b.candidates(10, nil, now.Add(retryBase+time.Second), rng)
	if len(got) != 3 {
		t.Fatalf("after backoff: candidates = %v, want 3", got)
	}
	// A second failure doubles the wait.
	b.attempt(a1, false, now.Add(retryBase+time.Second))
	later := now.Add(retryBase + time.Second + retryBase + time.Second)
	for _, a := range b.candidates(10, nil, later, rng) {
		if a == a1 {
			t.Fatalf("a1 offered %v after its second failure, before 2x backoff", retryBase+time.Second)
		}
	}
}

func TestCandidatesPreferFresh(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Unix(1_700_000_000, 0)
	b := newBook(100)
	fresh := netip.MustParseAddrPort("1.0.0.1:8333")
	tried := netip.MustParseAddrPort("1.0.0.2:8333")
	b.add(fresh, 1, now, netip.Addr{}, now, rng)
	b.add(tried, 1, now, netip.Addr{}, now, rng)
	b.attempt(tried, true, now)
	for range 20 {
		got := b.candidates(1, nil, now.Add(time.Minute), rng)
		if len(got) != 1 || got[0] != fresh {
			t.Fatalf("candidates(1) = %v, want the untried %v", got, fresh)
		}
	}
	if got := b.candidates(2, nil, now.Add(time.Minute), rng); len(got) != 2 {
		t.Fatalf("candidates(2) = %v, want both (recent ones fill up)", got)
	}
}

func TestBookEvictsWhenFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	now := time.Unix(1_700_000_000, 0)
	b := newBook(10)
	for i := range 50 {
		b.add(netip.AddrPortFrom(netip.AddrFrom4([4]byte{1, 0, 0, byte(i)}), 8333), 1, now, netip.Addr{}, now, rng)
		if b.len() > 10 {
			t.Fatalf("book holds %d entries, limit 10", b.len())
		}
	}
	for i, e := range b.list {
		if e.index != i || b.entries[e.addr] != e {
			t.Fatalf("entry %d inconsistent: index %d", i, e.index)
		}
	}
}
