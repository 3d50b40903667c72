package machine

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Core's eviction protections (SelectNodeToEvict): the peers kept whatever
// happens, by keyed network group and by lowest ping time; of the rest,
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
	group string
	keyed uint64
	// local: the peer is on a loopback address (Core's m_is_local).
	local bool
	// preferEvict: its address was discouraged when it connected (Core's
	// prefer_evict).
	preferEvict bool
}

// selectEvict picks the inbound peer to disconnect to make room for a new
// one, following Core's SelectNodeToEvict: it protects the peers with the
// highest keyed network groups, the lowest ping times and, of the rest,
// half by longest uptime, up to half of those reserved for disadvantaged
// peers (protectByRatio); if any of the others was discouraged it
// considers only those; among them it takes the network group with the
// most connections (on a tie, the one with the most recent connection)
// and evicts its youngest member. It returns false when every candidate
// is protected: the new connection is then refused. Core also protects
// recent transaction and block relayers, which this node does not track
// yet.
func selectEvict(cands []evictCandidate) (uint64, bool) {
	cands = slices.Clone(cands)
	// Protect the four peers with the highest keyed network groups (Core's
	// EraseLastKElements with CompareNetGroupKeyed: four peers, which may
	// share a group).
	slices.SortFunc(cands, func(a, b evictCandidate) int {
		return cmp.Or(cmp.Compare(b.keyed, a.keyed), a.since.Compare(b.since), cmp.Compare(a.id, b.id))
	})
	cands = cands[min(evictProtectGroups, len(cands)):]
	// Protect the lowest ping times (unmeasured ones sort last).
	slices.SortFunc(cands, func(a, b evictCandidate) int {
		return cmp.Or(cmp.Compare(pingKey(a.minPing), pingKey(b.minPing)), a.since.Compare(b.since), cmp.Compare(a.id, b.id))
	})
	cands = cands[min(evictProtectPing, len(cands)):]
	cands = protectByRatio(cands)
	if len(cands) == 0 {
		return 0, false
	}
	if slices.ContainsFunc(cands, func(c evictCandidate) bool { return c.preferEvict }) {
		cands = slices.DeleteFunc(cands, func(c evictCandidate) bool { return !c.preferEvict })
	}
	// The group with the most connections; on a tie the one whose newest
	// connection is the most recent.
	type groupInfo struct {
		n      int
		newest evictCandidate
	}
	groups := make(map[string]*groupInfo)
	for _, c := range cands {
		g := groups[c.group]
		if g == nil {
			g = &groupInfo{newest: c}
			groups[c.group] = g
		}
		g.n++
		if younger(c, g.newest) {
			g.newest = c
		}
	}
	var best *groupInfo
	for _, g := range groups {
		if best == nil || g.n > best.n || g.n == best.n && younger(g.newest, best.newest) {
			best = g
		}
	}
	return best.newest.id, true
}

// younger reports whether a connected after b (the higher ID on a tie).
func younger(a, b evictCandidate) bool {
	return a.since.After(b.since) || a.since.Equal(b.since) && a.id > b.id
}

// newestFirst orders candidates from the most recently connected.
func newestFirst(a, b evictCandidate) int {
	return cmp.Or(b.since.Compare(a.since), cmp.Compare(b.id, a.id))
}

// eraseLastK sorts cands by cmp and drops those of its last k that match
// keep (Core's EraseLastKElements).
func eraseLastK(cands []evictCandidate, cmp func(a, b evictCandidate) int, k int, match func(evictCandidate) bool) []evictCandidate {
	slices.SortFunc(cands, cmp)
	n := min(k, len(cands))
	tail := slices.DeleteFunc(cands[len(cands)-n:], match)
	return cands[:len(cands)-n+len(tail)]
}

// protectByRatio protects half of cands by longest uptime, as Core's
// ProtectEvictionCandidatesByRatio does: up to half of those protected
// slots (a quarter of cands) go first to peers of disadvantaged networks,
// the longest connected of each, even if others have been connected
// longer; the rest by uptime alone. Of Core's disadvantaged networks
// (CJDNS, I2P, localhost, onion) this node has only localhost peers.
func protectByRatio(cands []evictCandidate) []evictCandidate {
	total := len(cands) / 2
	type network struct {
		is    func(evictCandidate) bool
		count int
	}
	networks := []network{{is: func(c evictCandidate) bool { return c.local }}}
	for i := range networks {
		for _, c := range cands {
			if networks[i].is(c) {
				networks[i].count++
			}
		}
	}
	// Networks with fewer candidates first: they get the first chance at
	// the slots the others leave.
	slices.SortStableFunc(networks, func(a, b network) int { return cmp.Compare(a.count, b.count) })
	maxByNetwork := total / 2
	protected := 0
	for protected < maxByNetwork {
		present := 0
		for _, n := range networks {
			if n.count > 0 {
				present++
			}
		}
		if present == 0 {
			break
		}
		each := max((maxByNetwork-protected)/present, 1)
		progress := false
		for i := range networks {
			n := &networks[i]
			if n.count == 0 {
				continue
			}
			// The network's peers last, the longest connected at the end.
			order := func(a, b evictCandidate) int {
				if ia, ib := n.is(a), n.is(b); ia != ib {
					if ia {
						return 1
					}
					return -1
				}
				return newestFirst(a, b)
			}
			before := len(cands)
			cands = eraseLastK(cands, order, each, n.is)
			if d := before - len(cands); d > 0 {
				progress = true
				protected += d
				if protected >= maxByNetwork {
					break
				}
				n.count -= d
			}
		}
		if !progress {
			break
		}
	}
	return eraseLastK(cands, newestFirst, total-protected, func(evictCandidate) bool { return true })
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
	case m.discouraged.has(remote.Addr()) && m.adm.inbound+1 >= m.maxInbound:
		// Only while the inbound slots are not (almost) full, as Core.
		return out, ReasonDiscouraged
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
				local: isLocal(p.remote.Addr()), preferEvict: p.preferEvict,
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
