package addrbook

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// The shape of the tables and the rules of the book, as Core's addrman
// (addrman_impl.h, addrman.cpp) has them.
const (
	// newBucketCount and triedBucketCount are the tables' buckets
	// (ADDRMAN_NEW_BUCKET_COUNT, ADDRMAN_TRIED_BUCKET_COUNT); bucketSize the
	// slots in each (ADDRMAN_BUCKET_SIZE).
	newBucketCount   = 1024
	triedBucketCount = 256
	bucketSize       = 64
	// newBucketsPerSourceGroup bounds the new buckets one source group can
	// reach (ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP).
	newBucketsPerSourceGroup = 64
	// triedBucketsPerGroup bounds the tried buckets one network group can
	// reach (ADDRMAN_TRIED_BUCKETS_PER_GROUP).
	triedBucketsPerGroup = 8
	// newBucketsPerAddress bounds the new buckets one address is in
	// (ADDRMAN_NEW_BUCKETS_PER_ADDRESS).
	newBucketsPerAddress = 8
	// maxCollisions bounds the tried collisions awaiting a test
	// (ADDRMAN_SET_TRIED_COLLISION_SIZE).
	maxCollisions = 10
	// replacement: a tried address that connected (or was tried) this
	// recently is kept in a collision (ADDRMAN_REPLACEMENT, 4 hours).
	replacement = 4 * time.Hour
	// testWindow: a collision unresolved this long evicts the old address
	// (ADDRMAN_TEST_WINDOW, 40 minutes).
	testWindow = 40 * time.Minute

	// horizon: an address not seen for this long is terrible
	// (ADDRMAN_HORIZON, 30 days).
	horizon = 30 * 24 * time.Hour
	// maxRetries: never connected and this many failures is terrible
	// (ADDRMAN_RETRIES).
	maxRetries = 3
	// maxFailures and minFailWindow: this many failures and no success in
	// the window is terrible (ADDRMAN_MAX_FAILURES, ADDRMAN_MIN_FAIL).
	maxFailures   = 10
	minFailWindow = 7 * 24 * time.Hour
	// futureSlack: a timestamp further ahead than this is not believed
	// (Core: 10 minutes).
	futureSlack = 10 * time.Minute
	// recentTry is how long after a try an address counts as recently
	// tried: its chance of selection drops to 1% (Core: 10 minutes).
	recentTry = 10 * time.Minute
	// connectedUpdate: Connected refreshes the last-seen time when it is
	// older than this (Core: 20 minutes).
	connectedUpdate = 20 * time.Minute

	// retryBase is the wait after the first counted failure; it doubles
	// with every further one up to retryMax. This backoff is ours: Core
	// only lowers the chance of a failing address.
	retryBase = time.Minute
	retryMax  = 4 * time.Hour
)

// entry is what the book knows of one address (Core's AddrInfo).
type entry struct {
	key      addrKey
	services protocol.ServiceFlag
	// source is the address of the peer that first told us (the zero Addr:
	// ourselves).
	source           netip.Addr
	lastSeen         time.Time // Core's nTime
	lastTry          time.Time
	lastSuccess      time.Time
	lastCountAttempt time.Time
	attempts         int
	// tried is true in the tried table; else buckets lists the new
	// buckets holding it (at most newBucketsPerAddress).
	tried   bool
	buckets []uint16
	// index is the entry's position in its table's list.
	index int
}

// book is the address manager: a new and a tried table of buckets, placed
// by a keyed hash so that one source or one network group cannot fill it.
// It holds no clock and no randomness of its own: callers pass now and a
// *rand.Rand. Only the addrbook actor touches it.
type book struct {
	// key is the secret of the bucket hashes (Core's nKey), made on first
	// start and kept in the file.
	key     [32]byte
	entries map[addrKey]*entry
	// newList and triedList hold the entries of each table, for uniform
	// random picks.
	newList, triedList []*entry
	// ipNew and ipTried count the IP entries (the dialable ones).
	ipNew, ipTried int
	newTable       [][bucketSize]*entry
	triedTable     [][bucketSize]*entry
	// collisions are new addresses whose tried slot is taken, awaiting a
	// test of the slot's holder (Core's m_tried_collisions).
	collisions map[addrKey]struct{}
	// lastGood is the time of the last Good (Core's m_last_good): failures
	// are counted at most once per address between two goods, so an
	// outage of our own does not ruin the book.
	lastGood time.Time
	// lastSelected is the address select returned last: it is not
	// returned again next when there is another.
	lastSelected addrKey
	hasSelected  bool
	// scratch is the hash buffer.
	scratch []byte
}

func newBook(key [32]byte) *book {
	return &book{
		key:        key,
		entries:    make(map[addrKey]*entry),
		newTable:   make([][bucketSize]*entry, newBucketCount),
		triedTable: make([][bucketSize]*entry, triedBucketCount),
		collisions: make(map[addrKey]struct{}),
		lastGood:   time.Unix(1, 0),
		scratch:    make([]byte, 0, 128),
	}
}

func (b *book) len() int      { return len(b.newList) + len(b.triedList) }
func (b *book) newLen() int   { return len(b.newList) }
func (b *book) triedLen() int { return len(b.triedList) }

// hash is the keyed hash of the parts (each length-prefixed), cut to 64
// bits: Core's HashWriter << nKey << ... GetCheapHash.
func (b *book) hash(tag byte, parts ...[]byte) uint64 {
	buf := append(b.scratch[:0], b.key[:]...)
	buf = append(buf, tag)
	for _, p := range parts {
		buf = append(buf, byte(len(p)))
		buf = append(buf, p...)
	}
	b.scratch = buf
	sum := sha256.Sum256(buf)
	return binary.LittleEndian.Uint64(sum[:8])
}

// newBucket is the new bucket of k told by source: one bucket per pair of
// groups, and at most newBucketsPerSourceGroup buckets per source group.
func (b *book) newBucket(k addrKey, source netip.Addr) int {
	var g, sg [24]byte
	group := k.group(g[:0])
	sgroup := sourceGroup(sg[:0], source, k)
	h1 := b.hash('n', group, sgroup) % newBucketsPerSourceGroup
	return int(b.hash('N', sgroup, u64(h1)) % newBucketCount)
}

// triedBucket is the tried bucket of k: at most triedBucketsPerGroup per
// network group.
func (b *book) triedBucket(k addrKey) int {
	var kb, g [48]byte
	h1 := b.hash('t', k.appendTo(kb[:0])) % triedBucketsPerGroup
	return int(b.hash('T', k.group(g[:0]), u64(h1)) % triedBucketCount)
}

// bucketPos is k's slot in bucket of the new (isNew) or tried table.
func (b *book) bucketPos(isNew bool, bucket int, k addrKey) int {
	tag := byte('K')
	if isNew {
		tag = 'N'
	}
	var kb [48]byte
	return int(b.hash('p', []byte{tag}, u64(uint64(bucket)), k.appendTo(kb[:0])) % bucketSize)
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// add records that source told us of k, seen at seen, with services
// (Core's AddSingle). penalty ages second-hand news (not for a source's own
// address). A known address gains the services and a fresher time; a new
// one, or a known new one by chance (harder the more buckets it is in),
// takes the slot of its bucket when the slot is free or its holder is
// terrible or held elsewhere too. It reports whether the address took a
// slot.
func (b *book) add(k addrKey, services protocol.ServiceFlag, seen time.Time, source netip.Addr, penalty time.Duration, now time.Time, rng *rand.Rand) bool {
	if k.sameHost(source) {
		penalty = 0
	}
	e := b.entries[k]
	created := false
	if e != nil {
		interval := 24 * time.Hour
		if now.Sub(seen) < 24*time.Hour {
			interval = time.Hour // currently online: update more often
		}
		if e.lastSeen.Before(seen.Add(-interval - penalty)) {
			e.lastSeen = seen.Add(-penalty)
		}
		e.services |= services
		if !seen.After(e.lastSeen) || e.tried || len(e.buckets) >= newBucketsPerAddress {
			return false
		}
		if n := len(e.buckets); n > 0 && rng.IntN(1<<n) != 0 {
			return false
		}
	} else {
		e = &entry{key: k, services: services, source: source, lastSeen: seen.Add(-penalty)}
		created = true
	}
	bucket := b.newBucket(k, source)
	pos := b.bucketPos(true, bucket, k)
	holder := b.newTable[bucket][pos]
	if holder == e {
		return false
	}
	insert := holder == nil
	if !insert && (holder.terrible(now) || (len(holder.buckets) > 1 && len(e.buckets) == 0)) {
		insert = true
	}
	if !insert {
		return false
	}
	if holder != nil {
		b.clearNew(bucket, pos)
	}
	if created {
		b.entries[k] = e
		b.listAdd(e)
	}
	b.newTable[bucket][pos] = e
	e.buckets = append(e.buckets, uint16(bucket))
	return true
}

// clearNew empties a new slot; an entry left in no bucket is deleted.
func (b *book) clearNew(bucket, pos int) {
	e := b.newTable[bucket][pos]
	if e == nil {
		return
	}
	b.newTable[bucket][pos] = nil
	if i := slices.Index(e.buckets, uint16(bucket)); i >= 0 {
		e.buckets = slices.Delete(e.buckets, i, i+1)
	}
	if len(e.buckets) == 0 {
		b.listRemove(e)
		delete(b.entries, e.key)
		delete(b.collisions, e.key)
	}
}

// listAdd puts e in its table's list.
func (b *book) listAdd(e *entry) {
	list := &b.newList
	count := &b.ipNew
	if e.tried {
		list, count = &b.triedList, &b.ipTried
	}
	e.index = len(*list)
	*list = append(*list, e)
	if e.key.ip() {
		*count++
	}
}

// listRemove takes e out of its table's list.
func (b *book) listRemove(e *entry) {
	list := &b.newList
	count := &b.ipNew
	if e.tried {
		list, count = &b.triedList, &b.ipTried
	}
	l := *list
	last := l[len(l)-1]
	l[e.index] = last
	last.index = e.index
	*list = l[:len(l)-1]
	if e.key.ip() {
		*count--
	}
}

// attempt records a connection attempt to k (Core's Attempt). A failure
// counts towards the address's attempts at most once between two goods.
func (b *book) attempt(k addrKey, countFailure bool, now time.Time) {
	e := b.entries[k]
	if e == nil {
		return
	}
	e.lastTry = now
	if countFailure && e.lastCountAttempt.Before(b.lastGood) {
		e.lastCountAttempt = now
		e.attempts++
	}
}

// connected refreshes the last-seen time of k after a connection ends
// (Core's Connected): at most every connectedUpdate, so gossip does not
// reveal exactly when we were connected.
func (b *book) connected(k addrKey, now time.Time) {
	if e := b.entries[k]; e != nil && now.Sub(e.lastSeen) > connectedUpdate {
		e.lastSeen = now
	}
}

// good records a completed handshake with k (Core's Good): the failures
// are cleared and the address moves to the tried table. When its tried slot
// is taken and testBeforeEvict is set, the move waits for a test of the
// holder (resolveCollisions). Unknown addresses stay unknown.
func (b *book) good(k addrKey, services protocol.ServiceFlag, testBeforeEvict bool, now time.Time) {
	e := b.entries[k]
	if e == nil {
		return
	}
	b.lastGood = now
	e.lastTry, e.lastSuccess = now, now
	e.attempts = 0
	if services != 0 {
		e.services = services
	}
	if e.tried {
		return
	}
	bucket := b.triedBucket(k)
	pos := b.bucketPos(false, bucket, k)
	if testBeforeEvict && b.triedTable[bucket][pos] != nil {
		if len(b.collisions) < maxCollisions {
			b.collisions[k] = struct{}{}
		}
		return
	}
	b.makeTried(e, bucket, pos, now)
}

// makeTried moves the new entry e to tried slot (bucket, pos). A holder of
// the slot goes back to the new table, to the bucket of its source.
func (b *book) makeTried(e *entry, bucket, pos int, now time.Time) {
	for _, nb := range e.buckets {
		p := b.bucketPos(true, int(nb), e.key)
		if b.newTable[nb][p] == e {
			b.newTable[nb][p] = nil
		}
	}
	e.buckets = e.buckets[:0]
	b.listRemove(e)
	delete(b.collisions, e.key)
	if old := b.triedTable[bucket][pos]; old != nil {
		b.triedTable[bucket][pos] = nil
		b.listRemove(old)
		old.tried = false
		nb := b.newBucket(old.key, old.source)
		np := b.bucketPos(true, nb, old.key)
		b.clearNew(nb, np)
		b.newTable[nb][np] = old
		old.buckets = append(old.buckets[:0], uint16(nb))
		b.listAdd(old)
	}
	e.tried = true
	b.triedTable[bucket][pos] = e
	b.listAdd(e)
}

// resolveCollisions settles the tried collisions (Core's
// ResolveCollisions): a holder that connected within replacement stays; one
// that was tried within replacement but not in the last minute, and did not
// connect, gives way; a collision untested for testWindow evicts it anyway.
func (b *book) resolveCollisions(now time.Time) {
	for k := range b.collisions {
		e := b.entries[k]
		if e == nil || e.tried {
			delete(b.collisions, k)
			continue
		}
		bucket := b.triedBucket(k)
		pos := b.bucketPos(false, bucket, k)
		old := b.triedTable[bucket][pos]
		switch {
		case old == nil:
			b.makeTried(e, bucket, pos, now)
		case now.Sub(old.lastSuccess) < replacement:
			delete(b.collisions, k)
		case now.Sub(old.lastTry) < replacement:
			if now.Sub(old.lastTry) > time.Minute {
				b.makeTried(e, bucket, pos, now)
			}
		case now.Sub(e.lastSuccess) > testWindow:
			b.makeTried(e, bucket, pos, now)
		}
	}
}

// collisionToTest returns the tried address a pending collision would
// evict, to be dialled as a test (Core's SelectTriedCollision); ok is false
// when there is none.
func (b *book) collisionToTest(rng *rand.Rand) (addrKey, bool) {
	if len(b.collisions) == 0 {
		return addrKey{}, false
	}
	n := rng.IntN(len(b.collisions))
	for k := range b.collisions {
		if n > 0 {
			n--
			continue
		}
		e := b.entries[k]
		if e == nil {
			return addrKey{}, false
		}
		bucket := b.triedBucket(k)
		old := b.triedTable[bucket][b.bucketPos(false, bucket, k)]
		if old == nil {
			return addrKey{}, false
		}
		return old.key, true
	}
	return addrKey{}, false
}

// terrible reports whether e is not worth keeping or gossiping (Core's
// IsTerrible).
func (e *entry) terrible(now time.Time) bool {
	if now.Sub(e.lastTry) <= time.Minute {
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

// chance is the relative chance of e being selected (Core's GetChance): 1%
// when tried in the last recentTry, and 0.66 per failure up to 8.
func (e *entry) chance(now time.Time) float64 {
	c := 1.0
	if now.Sub(e.lastTry) < recentTry {
		c *= 0.01
	}
	return c * math.Pow(0.66, float64(min(e.attempts, 8)))
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

// selectEntry picks an IP address to dial (Core's Select): the tried or the
// new table with even odds (the new table only when newOnly), then entries
// at random, each accepted with its chance times a factor that grows 1.2x
// per refusal, so addresses not tried lately come first. It never returns
// the address it returned last time while another IP address is known.
// nil: no IP address is known.
func (b *book) selectEntry(now time.Time, rng *rand.Rand, newOnly bool) *entry {
	total := b.ipNew + b.ipTried
	if newOnly {
		total = b.ipNew
	}
	if total == 0 {
		return nil
	}
	factor := 1.0
	for range 10_000 {
		list, n := b.newList, b.ipNew
		if !newOnly && b.ipTried > 0 && (b.ipNew == 0 || rng.IntN(2) == 0) {
			list, n = b.triedList, b.ipTried
		}
		e := pickIP(list, n, rng)
		if e == nil || (total > 1 && b.hasSelected && e.key == b.lastSelected) {
			continue
		}
		if rng.Float64() < factor*e.chance(now) {
			b.lastSelected, b.hasSelected = e.key, true
			return e
		}
		factor *= 1.2
	}
	return nil
}

// pickIP returns a random IP entry of list, which holds n of them.
func pickIP(list []*entry, n int, rng *rand.Rand) *entry {
	if n == 0 {
		return nil
	}
	if n*16 >= len(list) {
		// Mostly IP: rejection sampling ends quickly.
		for range 64 {
			if e := list[rng.IntN(len(list))]; e.key.ip() {
				return e
			}
		}
	}
	i := rng.IntN(n)
	for _, e := range list {
		if e.key.ip() {
			if i == 0 {
				return e
			}
			i--
		}
	}
	return nil
}

// candidates returns up to max distinct IP addresses worth dialling, none in
// exclude nor waiting out a retry backoff. Like Core's connection loop, an
// address tried in the last recentTry is taken only after 30 picks found
// nothing better, one on another service's port (netaddr.IsBadPort) only
// after badPortTries. The tried address of a pending collision comes first: the
// dial is its test.
func (b *book) candidates(max int, exclude map[netip.AddrPort]bool, now time.Time, rng *rand.Rand) []netip.AddrPort {
	if max <= 0 {
		return nil
	}
	out := make([]netip.AddrPort, 0, min(max, b.ipNew+b.ipTried))
	taken := make(map[addrKey]bool, max)
	if k, ok := b.collisionToTest(rng); ok {
		if ap, isIP := k.addrPort(); isIP && !exclude[ap] && !netaddr.IsBadPort(ap.Port()) && now.Sub(b.entries[k].lastTry) > time.Minute {
			out = append(out, ap)
			taken[k] = true
		}
	}
	for tries := 0; len(out) < max && tries < 100+30*max; tries++ {
		e := b.selectEntry(now, rng, false)
		if e == nil {
			break
		}
		ap, _ := e.key.addrPort()
		if taken[e.key] || exclude[ap] || (tries < badPortTries && netaddr.IsBadPort(ap.Port())) {
			continue
		}
		if e.attempts > 0 && now.Sub(e.lastTry) < e.backoff() {
			continue
		}
		if tries < 30 && now.Sub(e.lastTry) < recentTry {
			continue
		}
		taken[e.key] = true
		out = append(out, ap)
	}
	return out
}

// badPortTries is how many picks pass over addresses on ports of other
// services (netaddr.IsBadPort) before one may be dialled, as Core's
// ThreadOpenConnections skips them for its first 50 tries.
const badPortTries = 50

// feelerCandidate returns the address for a feeler connection, picked as
// Core's connection loop picks one: the tried address a pending collision
// would evict (SelectTriedCollision; the feeler is its test), unless it was
// tried in the last minute, or is in exclude (connected: plainly alive, so
// it is marked good instead, as Core does); else an IP address of the new
// table (Select with new_only), not in exclude, not waiting out a retry
// backoff and, for the first 30 picks, not tried in the last recentTry. ok
// is false when there is none.
func (b *book) feelerCandidate(exclude map[netip.AddrPort]bool, now time.Time, rng *rand.Rand) (netip.AddrPort, bool) {
	if k, ok := b.collisionToTest(rng); ok {
		if ap, isIP := k.addrPort(); isIP {
			switch e := b.entries[k]; {
			case exclude[ap]:
				b.good(k, 0, false, now)
			case now.Sub(e.lastTry) > time.Minute && !netaddr.IsBadPort(ap.Port()):
				return ap, true
			}
		}
	}
	for tries := range 100 {
		e := b.selectEntry(now, rng, true)
		if e == nil {
			break
		}
		ap, _ := e.key.addrPort()
		if exclude[ap] || (e.attempts > 0 && now.Sub(e.lastTry) < e.backoff()) {
			continue
		}
		if tries < badPortTries && netaddr.IsBadPort(ap.Port()) {
			continue
		}
		if tries < 30 && now.Sub(e.lastTry) < recentTry {
			continue
		}
		return ap, true
	}
	return netip.AddrPort{}, false
}

// sample returns random entries that are not terrible for a getaddr answer
// (Core's GetAddr): pct percent of the book, but at least least (a tiny
// book hides nothing worth hiding), at most most.
func (b *book) sample(most, pct, least int, now time.Time, rng *rand.Rand) []*entry {
	all := make([]*entry, 0, b.len())
	all = append(append(all, b.newList...), b.triedList...)
	n := len(all)
	if pct > 0 {
		n = max(pct*n/100, min(least, n))
	}
	if most > 0 {
		n = min(n, most)
	}
	out := make([]*entry, 0, n)
	for i := 0; i < len(all) && len(out) < n; i++ {
		j := i + rng.IntN(len(all)-i)
		all[i], all[j] = all[j], all[i]
		if !all[i].terrible(now) {
			out = append(out, all[i])
		}
	}
	return out
}

// servicesOf returns the services the book knows for each of addrs (0 for
// an address it does not hold).
func (b *book) servicesOf(addrs []netip.AddrPort) []protocol.ServiceFlag {
	out := make([]protocol.ServiceFlag, len(addrs))
	for i, ap := range addrs {
		if e := b.entries[keyFromAddrPort(ap)]; e != nil {
			out[i] = e.services
		}
	}
	return out
}
