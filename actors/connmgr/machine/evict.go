package machine

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Core's eviction protections (SelectNodeToEvict): the peers kept whatever
// happens, by distinct network group and by lowest ping time; of the rest,
// half by longest uptime.
const (
	evictProtectGroups = 4
	evictProtectPing   = 8
)

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

// admission is the inbound accounting: inbound peers that hold a slot, and
// the half-open ones per source group.
type admission struct {
	inbound     int
	handshaking map[netip.Prefix]int
}

// admitted counts a new peer.
func (ad *admission) admitted(p *peer) {
	if !p.inbound {
		return
	}
	ad.inbound++
	ad.handshaking[p.hsGroup()]++
}

// handshook counts p's handshake done.
func (ad *admission) handshook(p *peer) {
	if p.inbound && !p.handshaken {
		ad.doneHandshaking(p.hsGroup())
	}
}

// left counts p gone (closed, evicted or stopped): it runs once per peer.
func (ad *admission) left(p *peer) {
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
func (ad *admission) evict(p *peer) {
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
func (m *Machine) admitInbound(now time.Time, remote netip.AddrPort, out []Action) ([]Action, error) {
	switch {
	case m.stopped:
		return out, ReasonShutdown
	case m.bans.banned(remote.Addr(), now):
		return out, ReasonBanned
	case m.cfg.MaxHandshakingPerGroup > 0 && m.adm.handshaking[handshakeGroup(remote.Addr())] >= m.cfg.MaxHandshakingPerGroup:
		return out, ReasonHandshakeLimit
	case m.adm.inbound < m.maxInbound:
		return out, nil
	}
	out, ok := m.evictInbound(out)
	if !ok {
		return out, ReasonInboundFull
	}
	return out, nil
}

// evictInbound disconnects one inbound peer chosen as Core's
// AttemptToEvictConnection does, and reports whether it found one.
func (m *Machine) evictInbound(out []Action) ([]Action, bool) {
	cands := make([]evictCandidate, 0, m.adm.inbound)
	for _, p := range m.peers {
		if p.inbound && !p.evicted {
			g := evictGroup(p.remote.Addr())
			cands = append(cands, evictCandidate{
				id: p.id, since: p.since, minPing: p.minPing, group: g, keyed: m.cfg.GroupKey(g),
			})
		}
	}
	id, ok := selectEvict(cands)
	if !ok {
		return out, false
	}
	p := m.peers[id]
	m.adm.evict(p)
	out = note(out, LevelDebug, "evicting inbound peer", fPeer(p.id), fAddr(p.remote))
	return append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonEvicted}), true
}
