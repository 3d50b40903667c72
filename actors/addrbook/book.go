package addrbook

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Limits and intervals of the table. They stand in for Core's addrman
// constants until the bucketed version replaces this table.
const (
	// maxEntries bounds the table: Core's new table holds 1024 buckets of 64.
	maxEntries = 1024 * 64
	// recentTry is how long after a try an address counts as recently tried
	// and is offered only when nothing fresher is left (Core: 10 minutes).
	recentTry = 10 * time.Minute
	// retryBase is the wait after the first failed attempt; it doubles with
	// every further failure up to retryMax.
	retryBase = time.Minute
	// retryMax caps the wait between attempts of a failing address.
	retryMax = 4 * time.Hour
	// horizon: an address not seen for this long is terrible (Core's
	// ADDRMAN_HORIZON, 30 days).
	horizon = 30 * 24 * time.Hour
	// maxRetries: never connected and this many failures is terrible (Core's
	// ADDRMAN_RETRIES).
	maxRetries = 3
	// maxFailures and minFailWindow: this many failures and no success in
	// the window is terrible (Core's ADDRMAN_MAX_FAILURES, ADDRMAN_MIN_FAIL).
	maxFailures   = 10
	minFailWindow = 7 * 24 * time.Hour
	// futureSlack: a timestamp further ahead than this is not believed
	// (Core: 10 minutes).
	futureSlack = 10 * time.Minute
	// gossipPenalty is subtracted from the timestamp of an address learnt
	// from someone else than its owner (Core's 2-hour nTimePenalty).
	gossipPenalty = 2 * time.Hour
	// staleStamp replaces an absurd timestamp: now minus 5 days, as Core.
	staleStamp = 5 * 24 * time.Hour
)

// entry is what the book knows of one address.
type entry struct {
	addr        netip.AddrPort
	services    protocol.ServiceFlag
	source      netip.Addr
	lastSeen    time.Time
	lastTry     time.Time
	lastSuccess time.Time
	attempts    int
	// index is the entry's position in book.list.
	index int
}

// book is the table of IP addresses: a map for lookups and a slice for
// uniform random sampling. It holds no clock and no randomness of its own:
// callers pass now and a *rand.Rand. Only the addrbook actor touches it.
type book struct {
	entries map[netip.AddrPort]*entry
	list    []*entry
	max     int
}

func newBook(max int) *book {
	return &book{entries: make(map[netip.AddrPort]*entry), max: max}
}

func (b *book) len() int { return len(b.list) }

// add records addr as seen at seen with services, learnt from source. A
// known address gains the services and keeps the later timestamp (Core ORs
// the services in). A new address evicts a random, preferably terrible,
// entry when the table is full. It reports whether addr was new.
func (b *book) add(addr netip.AddrPort, services protocol.ServiceFlag, seen time.Time, source netip.Addr, now time.Time, rng *rand.Rand) bool {
	if e, ok := b.entries[addr]; ok {
		e.services |= services
		if seen.After(e.lastSeen) {
			e.lastSeen = seen
		}
		return false
	}
	if len(b.list) >= b.max {
		b.evict(now, rng)
	}
	e := &entry{addr: addr, services: services, source: source, lastSeen: seen, index: len(b.list)}
	b.entries[addr] = e
	b.list = append(b.list, e)
	return true
}

// evict removes one entry: the first terrible one among a few random picks,
// else the last pick.
func (b *book) evict(now time.Time, rng *rand.Rand) {
	if len(b.list) == 0 {
		return
	}
	var victim *entry
	for range 8 {
		victim = b.list[rng.IntN(len(b.list))]
		if victim.terrible(now) {
			break
		}
	}
	b.remove(victim)
}

func (b *book) remove(e *entry) {
	last := b.list[len(b.list)-1]
	b.list[e.index] = last
	last.index = e.index
	b.list = b.list[:len(b.list)-1]
	delete(b.entries, e.addr)
}

// attempt records a connection attempt to addr. A failure counts towards
// the retry backoff; a success (the dial worked) only stamps the try.
func (b *book) attempt(addr netip.AddrPort, success bool, now time.Time) {
	e, ok := b.entries[addr]
	if !ok {
		return
	}
	e.lastTry = now
	if !success {
		e.attempts++
	}
}

// good records a completed handshake with addr (Core's Good): the failure
// count is cleared. Unknown addresses are left unknown, as in Core.
func (b *book) good(addr netip.AddrPort, services protocol.ServiceFlag, now time.Time) {
	e, ok := b.entries[addr]
	if !ok {
		return
	}
	e.lastTry, e.lastSuccess, e.lastSeen = now, now, now
	e.attempts = 0
	if services != 0 {
		e.services = services
	}
}

// terrible reports whether e is not worth gossiping or keeping (Core's
// IsTerrible).
func (e *entry) terrible(now time.Time) bool {
	if !e.lastTry.IsZero() && now.Sub(e.lastTry) < time.Minute {
		return false // just tried: give it a chance
	}
	switch {
	case e.lastSeen.After(now.Add(futureSlack)):
		return true
	case now.Sub(e.lastSeen) > horizon:
		return true
	case e.lastSuccess.IsZero() && e.attempts >= maxRetries:
		return true
	case now.Sub(e.lastSuccess) > minFailWindow && e.attempts >= maxFailures:
		return true
	}
	return false
}

// backoff is how long after its last try a failing entry waits before it is
// offered again: retryBase doubled per failure beyond the first, capped.
func (e *entry) backoff() time.Duration {
	if e.attempts == 0 {
		return 0
	}
	d := retryBase
	for i := 1; i < e.attempts && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// candidates returns up to max random addresses worth dialling: not in
// exclude, not waiting out a retry backoff, preferring those not tried in
// the last recentTry. Every returned address is distinct.
func (b *book) candidates(max int, exclude map[netip.AddrPort]bool, now time.Time, rng *rand.Rand) []netip.AddrPort {
	if max <= 0 {
		return nil
	}
	// Reservoir-sample the fresh and the recently tried entries apart, in
	// one pass, then take fresh ones first.
	fresh := make([]netip.AddrPort, 0, max)
	recent := make([]netip.AddrPort, 0, max)
	var nFresh, nRecent int
	for _, e := range b.list {
		if exclude[e.addr] {
			continue
		}
		if e.attempts > 0 && now.Sub(e.lastTry) < e.backoff() {
			continue
		}
		if !e.lastTry.IsZero() && now.Sub(e.lastTry) < recentTry {
			nRecent++
			recent = reservoir(recent, max, nRecent, e.addr, rng)
			continue
		}
		nFresh++
		fresh = reservoir(fresh, max, nFresh, e.addr, rng)
	}
	rng.Shuffle(len(fresh), func(i, j int) { fresh[i], fresh[j] = fresh[j], fresh[i] })
	for _, a := range recent {
		if len(fresh) >= max {
			break
		}
		fresh = append(fresh, a)
	}
	return fresh
}

// reservoir adds the n-th seen item v to sample, which keeps at most k
// items, each seen item kept with equal probability (Algorithm R).
func reservoir[T any](sample []T, k, n int, v T, rng *rand.Rand) []T {
	if len(sample) < k {
		return append(sample, v)
	}
	if j := rng.IntN(n); j < k {
		sample[j] = v
	}
	return sample
}

// sample returns up to max random entries that are not terrible, for a
// getaddr answer.
func (b *book) sample(max int, now time.Time, rng *rand.Rand) []*entry {
	out := make([]*entry, 0, min(max, len(b.list)))
	n := 0
	for _, e := range b.list {
		if e.terrible(now) {
			continue
		}
		n++
		out = reservoir(out, max, n, e, rng)
	}
	return out
}
