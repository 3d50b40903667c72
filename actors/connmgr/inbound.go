package connmgr

import (
	"cmp"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/transport"
)

// Inbound admission limits.
const (
	// DefaultMaxHandshakingPerGroup bounds the inbound connections of one
	// source group (IPv4 /24, IPv6 /64) that have not finished their
	// handshake: connections beyond it are closed at accept, as btcd 0.26
	// does (8), so that one host cannot fill the node with half-open
	// connections. They end after the handshake timeout anyway.
	DefaultMaxHandshakingPerGroup = 8

	// Core's eviction protections (SelectNodeToEvict): the peers kept
	// whatever happens, by distinct network group, by lowest ping time,
	// and up to this share of the rest by longest uptime.
	evictProtectGroups = 4
	evictProtectPing   = 8
)

// handshakeGroup is the source group half-open connections are counted by:
// the /24 of an IPv4 address, the /64 of an IPv6 one (as btcd counts them).
func handshakeGroup(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// evictGroup is the network group eviction balances (Core's GetGroup for
// IP addresses): the /16 of an IPv4 address, the /32 of an IPv6 one.
// Unlike netGroup, local addresses have groups too, so that a flood from
// 127.0.0.0/8 concentrates in few groups and is evicted first.
func evictGroup(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 16
	if a.Is6() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p
}

// evictCandidate is what eviction knows of one inbound peer.
type evictCandidate struct {
	id uint64
	// since is when the connection opened.
	since time.Time
	// minPing is the peer's smallest ping round trip; zero means none
	// measured (Core's std::chrono::microseconds::max()).
	minPing time.Duration
	// group is the network group; keyed its keyed hash (Core's
	// nKeyedNetGroup), so an attacker cannot predict which groups the
	// protection picks.
	group netip.Prefix
	keyed uint64
}

// selectEvict picks the inbound peer to disconnect to make room for a new
// one, following Core's SelectNodeToEvict: it protects the peers with the
// highest keyed network groups, the lowest ping times and, of the rest,
// half by longest uptime; among the others it takes the network group
// with the most connections (on a tie, the one with the most recent
// connection) and evicts its youngest member. It returns false when every
// candidate is protected: the new connection is then refused. Core also
// protects recent transaction and block relayers, which this node does not
// track yet.
func selectEvict(cands []evictCandidate) (uint64, bool) {
	cands = slices.Clone(cands)
	// Protect by keyed network group: the highest keys, one per group.
	slices.SortFunc(cands, func(a, b evictCandidate) int {
		return cmp.Or(cmp.Compare(b.keyed, a.keyed), a.since.Compare(b.since))
	})
	kept := cands[:0]
	protected := 0
	var last netip.Prefix
	for i, c := range cands {
		if protected < evictProtectGroups && (i == 0 || c.group != last) {
			protected++
			last = c.group
			continue
		}
		kept = append(kept, c)
	}
	cands = kept
	// Protect the lowest ping times (unmeasured ones sort last).
	slices.SortFunc(cands, func(a, b evictCandidate) int {
		return cmp.Or(cmp.Compare(pingKey(a.minPing), pingKey(b.minPing)), a.since.Compare(b.since))
	})
	cands = cands[min(evictProtectPing, len(cands)):]
	// Protect half of the rest by longest uptime.
	slices.SortFunc(cands, func(a, b evictCandidate) int {
		return cmp.Or(a.since.Compare(b.since), cmp.Compare(a.id, b.id))
	})
	cands = cands[len(cands)/2:]
	if len(cands) == 0 {
		return 0, false
	}
	// The group with the most connections; on a tie the one whose newest
	// connection is the most recent. cands is oldest first.
	type groupInfo struct {
		n      int
		newest evictCandidate
	}
	groups := make(map[netip.Prefix]*groupInfo)
	for _, c := range cands {
		g := groups[c.group]
		if g == nil {
			g = &groupInfo{}
			groups[c.group] = g
		}
		g.n++
		g.newest = c
	}
	var best *groupInfo
	for _, g := range groups {
		if best == nil || g.n > best.n ||
			g.n == best.n && (g.newest.since.After(best.newest.since) ||
				g.newest.since.Equal(best.newest.since) && g.newest.id > best.newest.id) {
			best = g
		}
	}
	return best.newest.id, true
}

func pingKey(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Duration(1<<63 - 1)
	}
	return d
}

// admission is connmgr's inbound accounting: inbound peers that hold a
// slot, and the half-open ones per source group. Only connmgr's goroutine
// touches it.
type admission struct {
	inbound     int
	handshaking map[netip.Prefix]int
	seed        maphash.Seed
}

func newAdmission() admission {
	return admission{handshaking: make(map[netip.Prefix]int), seed: maphash.MakeSeed()}
}

// keyed is the keyed hash of a network group.
func (ad *admission) keyed(g netip.Prefix) uint64 {
	b, _ := g.MarshalBinary()
	return maphash.Bytes(ad.seed, b)
}

// admitted counts a new peer.
func (ad *admission) admitted(p *peerConn) {
	if !p.inbound {
		return
	}
	ad.inbound++
	ad.handshaking[p.hsGroup()]++
}

// handshook counts p's handshake done.
func (ad *admission) handshook(p *peerConn) {
	if p.inbound && !p.handshaken {
		ad.doneHandshaking(p.hsGroup())
	}
}

// left counts p gone (closed, evicted or stopped): it runs once per peer.
func (ad *admission) left(p *peerConn) {
	if !p.inbound {
		return
	}
	if !p.evicted {
		ad.inbound--
	}
	if !p.handshaken {
		ad.doneHandshaking(p.hsGroup())
	}
}

// evict takes p's slot away at once; it leaves the table when io reports
// its connection closed.
func (ad *admission) evict(p *peerConn) {
	if p.inbound && !p.evicted {
		p.evicted = true
		ad.inbound--
	}
}

func (ad *admission) doneHandshaking(g netip.Prefix) {
	if n := ad.handshaking[g]; n > 1 {
		ad.handshaking[g] = n - 1
	} else {
		delete(ad.handshaking, g)
	}
}

// admitInbound decides on an accepted connection from remote: nil admits
// it (after evicting a peer when the inbound slots are full), else the
// reason to refuse it.
func (c *connMgr) admitInbound(ctx actor.Context, remote netip.AddrPort) error {
	switch {
	case c.stopped:
		return ReasonShutdown
	case c.bans.banned(remote.Addr(), c.now()):
		return ReasonBanned
	case c.maxHandshaking > 0 && c.adm.handshaking[handshakeGroup(remote.Addr())] >= c.maxHandshaking:
		return ReasonHandshakeLimit
	case c.adm.inbound < c.maxInbound:
		return nil
	}
	if !c.evictInbound(ctx) {
		return ReasonInboundFull
	}
	return nil
}

// evictInbound disconnects one inbound peer chosen as Core's
// AttemptToEvictConnection does, and reports whether it found one.
func (c *connMgr) evictInbound(ctx actor.Context) bool {
	cands := make([]evictCandidate, 0, c.adm.inbound)
	for _, p := range c.peers {
		if p.inbound && !p.evicted {
			g := evictGroup(p.remote.Addr())
			cands = append(cands, evictCandidate{
				id: p.id, since: p.since, minPing: p.minPing, group: g, keyed: c.adm.keyed(g),
			})
		}
	}
	id, ok := selectEvict(cands)
	if !ok {
		return false
	}
	p := c.peers[id]
	c.adm.evict(p)
	c.log.Debug("evicting inbound peer", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote))
	ctx.Send(c.cfg.IO, &transport.Close{Conn: p.conn, Reason: ReasonEvicted})
	return true
}

// pingTime records a peer's smallest ping time, which protects it from
// eviction.
func (c *connMgr) pingTime(msg *peer.PingTime) {
	if p := c.peers[msg.ID]; p != nil {
		p.minPing = msg.MinPing
	}
}
