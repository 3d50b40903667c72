package addrbook

import (
	"hash/maphash"
	"math/rand/v2"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Gossip limits, as Core's net_processing.cpp has them.
const (
	// addrRate is how many addresses per second a peer may send us beyond
	// its burst (MAX_ADDR_RATE_PER_SECOND).
	addrRate = 0.1
	// addrBurst caps the tokens a peer saves up
	// (MAX_ADDR_PROCESSING_TOKEN_BUCKET).
	addrBurst = 1000
	// getAddrCredit is added to a peer's tokens when we send it getaddr,
	// for its answer (MAX_ADDR_TO_SEND).
	getAddrCredit = 1000
	// relayFresh: only addresses seen this recently are relayed (Core: 10
	// minutes).
	relayFresh = 10 * time.Minute
	// relayMaxBatch: only messages of at most this many addresses are
	// relayed; larger ones are getaddr answers, not news (Core: 10).
	relayMaxBatch = 10
	// addrSendInterval is the mean time between two addr messages to one
	// peer (AVG_ADDRESS_BROADCAST_INTERVAL): relayed addresses and getaddr
	// answers wait in its queue for the next, Poisson-timed, so that when
	// an address arrives says little about where it came from.
	addrSendInterval = 30 * time.Second
	// relayRotate is how long the peers chosen to relay one address stay
	// the same (ROTATE_ADDR_RELAY_DEST_INTERVAL).
	relayRotate = 24 * time.Hour
	// knownMax is how many addresses per peer we remember having sent it or
	// heard from it, so none is sent twice (Core's m_addr_known, 5000).
	knownMax = 5000
	// maxGetAddrPct is the share of the book one getaddr answer holds at
	// most (MAX_PCT_ADDR_TO_SEND).
	maxGetAddrPct = 23
	// minGetAddrReply is, on regtest only, the least a getaddr answer
	// holds: the whole book when it is no larger, and then the answer is
	// not kept but built anew for each asker while the book grows. Core
	// answers a book of fewer than 5 addresses with nothing (23% of it
	// rounds to 0) and keeps the answer for a day, so a young local test
	// network cannot find itself through getaddr. Every other network gets
	// Core's rule exactly (a minimum of 0).
	minGetAddrReply = 16
	// cacheLifetime and cacheJitter: a getaddr answer is built once and
	// served for 21 hours plus up to 6, so that asking again and again
	// reveals no more of the book (Core's m_addr_response_caches).
	cacheLifetime = 21 * time.Hour
	cacheJitter   = 6 * time.Hour
	// localInterval is the mean time between announcements of our own
	// address to a peer (AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL).
	localInterval = 24 * time.Hour
	// addrFetchLifetime bounds a -seednode connection that never answers
	// getaddr (Core: 10 x AVG_ADDRESS_BROADCAST_INTERVAL).
	addrFetchLifetime = 5 * time.Minute
)

// tokenBucket is a peer's allowance of addresses (Core's
// m_addr_token_bucket): it starts at 1, grows by addrRate per second up to
// addrBurst, and each address processed takes one token.
// Its time is in Unix nanoseconds, a third of a time.Time.
type tokenBucket struct {
	tokens float64
	at     int64
}

func newTokenBucket(now time.Time) tokenBucket { return tokenBucket{tokens: 1, at: now.UnixNano()} }

// refill adds what has accrued since the last refill, unless full.
func (t *tokenBucket) refill(now time.Time) {
	ns := now.UnixNano()
	if t.tokens < addrBurst {
		if d := time.Duration(ns - t.at); d > 0 {
			t.tokens = min(t.tokens+d.Seconds()*addrRate, addrBurst)
		}
	}
	t.at = ns
}

// take spends one token; false means the address is over the limit.
func (t *tokenBucket) take() bool {
	if t.tokens < 1 {
		return false
	}
	t.tokens--
	return true
}

// knownSet remembers up to knownMax address hashes, forgetting the oldest.
// A nil set knows nothing.
type knownSet struct {
	set  map[uint64]struct{}
	ring []uint64
	next int
}

func (s *knownSet) has(h uint64) bool {
	if s == nil {
		return false
	}
	_, ok := s.set[h]
	return ok
}

func (s *knownSet) add(h uint64) {
	if s.set == nil {
		s.set = make(map[uint64]struct{})
	}
	if _, ok := s.set[h]; ok {
		return
	}
	if len(s.ring) < knownMax {
		s.ring = append(s.ring, h)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = h
		s.next = (s.next + 1) % knownMax
	}
	s.set[h] = struct{}{}
}

// relayer chooses the peers an address is relayed to: for a day at a time
// the same one or two per address (Core's RelayAddress), so that peers'
// known sets stop repeats and no address floods the network.
type relayer struct {
	seed maphash.Seed
}

// addrHash is the process-wide hash of an address (known sets, relay).
func (r relayer) addrHash(k addrKey) uint64 { return maphash.Comparable(r.seed, k) }

// relayScore returns the hash that ranks the peers for address hash h at
// now, and how many peers get it: two for networks we reach, one or two by
// the hash for the others, as Core does.
func (r relayer) relayScore(h uint64, reachable bool, now time.Time) (base uint64, n int) {
	day := (uint64(now.Unix()) + h) / uint64(relayRotate/time.Second)
	base = maphash.Comparable(r.seed, [2]uint64{h, day})
	n = 2
	if !reachable && base&1 == 0 {
		n = 1
	}
	return base, n
}

// peerScore ranks peer id for an address; the highest ones get it.
func (r relayer) peerScore(base, id uint64) uint64 {
	return maphash.Comparable(r.seed, [2]uint64{base, id})
}

// addrCache is a built getaddr answer (Core's CachedAddrResponse).
type addrCache struct {
	addrs   []protocol.NetAddressV2
	expires time.Time
	// whole: built from a book of at most minGetAddrReply addresses, all
	// of it; bookSize is the book's size then.
	whole    bool
	bookSize int
}

// stale reports whether the answer must be built anew: it has expired, or
// it held the whole of a small book that has changed since.
func (c *addrCache) stale(now time.Time, bookSize int) bool {
	return !now.Before(c.expires) || (c.whole && bookSize != c.bookSize)
}

// expDuration draws an exponentially distributed duration of mean mean
// (Core's rand_exp_duration), for Poisson-timed announcements.
func expDuration(mean time.Duration, rng *rand.Rand) time.Duration {
	return time.Duration(rng.ExpFloat64() * float64(mean))
}
