package machine

import (
	"net/netip"
	"slices"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// Block-relay-only connections, their anchors, and the extra outbound peers
// of a stale tip, as Core's ThreadOpenConnections and
// CheckForStaleTipAndEvictPeers have them.
const (
	// DefaultMaxBlockRelay is Core's MAX_BLOCK_RELAY_ONLY_CONNECTIONS.
	DefaultMaxBlockRelay = 2
	// MaxAnchors is how many block-relay-only peers are kept across a
	// restart (Core's MAX_BLOCK_RELAY_ONLY_ANCHORS).
	MaxAnchors = 2
	// ExtraBlockRelayInterval is the mean time between extra
	// block-relay-only peers once initial sync is over (Core's
	// EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL, drawn exponentially).
	ExtraBlockRelayInterval = 5 * time.Minute
	// ExtraPeerCheckInterval is how often extra outbound peers are looked
	// for and evicted (Core's EXTRA_PEER_CHECK_INTERVAL).
	ExtraPeerCheckInterval = 45 * time.Second
	// MinimumConnectTime is how long an outbound peer stays before it may
	// be evicted as an extra (Core's MINIMUM_CONNECT_TIME).
	MinimumConnectTime = 30 * time.Second
)

// ConnBlockRelayOnly is an automatic outbound connection that relays
// blocks only (Core's BLOCK_RELAY): our version says relay=false, and no
// addresses go either way.
const ConnBlockRelayOnly = "block-relay-only"

// Anchor is a block-relay-only peer's address kept across a restart (Core's
// anchors.dat), with the services it announced.
type Anchor struct {
	Addr     netip.AddrPort
	Services protocol.ServiceFlag
}

// BlockRelaySlots is the number of automatic block-relay-only slots under
// c: Config.MaxBlockRelay when there are automatic outbound connections
// (an address book, full-relay slots and no -connect), else none.
func (c Config) BlockRelaySlots() int {
	if c.MaxOutbound <= 0 || !c.AddrBook || len(c.Connect) > 0 {
		return 0
	}
	return max(c.MaxBlockRelay, 0)
}

// automatic reports whether the machine makes automatic outbound
// connections (Core's m_use_addrman_outgoing).
func (m *Machine) automatic() bool { return len(m.cfg.Connect) == 0 && m.cfg.AddrBook }

// outboundBlockRelay counts block-relay-only connections, open or being
// dialled.
func (m *Machine) outboundBlockRelay() int {
	n := m.blockRelayPeers
	for _, d := range m.dials {
		if d.connType == ConnBlockRelayOnly {
			n++
		}
	}
	return n
}

// automaticOutbound counts the automatic outbound connections, open or
// being dialled, that hold one of Core's semOutbound grants: full-relay,
// block-relay-only and feeler.
func (m *Machine) automaticOutbound() int {
	n := m.outboundFull() + m.outboundBlockRelay() + m.feelerPeers
	for _, d := range m.dials {
		if d.connType == ConnFeeler {
			n++
		}
	}
	return n
}

// grants is Core's semOutbound: the full-relay and block-relay-only slots
// and the feeler's (Core's MAX_FEELER_CONNECTIONS, 1), at most
// MaxConnections. An extra outbound peer takes the feeler's grant.
func (m *Machine) grants() int {
	if m.cfg.MaxConnections < 0 {
		return 0
	}
	return min(m.cfg.MaxOutbound+m.cfg.BlockRelaySlots()+1, m.cfg.MaxConnections)
}

// extraFullWanted reports whether a stale tip asks for one more full-relay
// peer than the slots (Core's GetTryNewOutboundPeer branch): the slots of
// both kinds are full and a grant is left.
func (m *Machine) extraFullWanted() bool {
	return m.tryNewOutbound && m.outboundFull() >= m.cfg.MaxOutbound &&
		m.outboundBlockRelay() >= m.cfg.BlockRelaySlots() && m.automaticOutbound() < m.grants()
}

// extraBlockRelayDue reports whether the periodic extra block-relay-only
// peer is due (Core's next_extra_block_relay branch), and if so draws the
// next time.
func (m *Machine) extraBlockRelayDue(now time.Time) bool {
	if !m.extraBlockRelayOn || m.tryNewOutbound || now.Before(m.nextExtraBlockRelay) ||
		m.cfg.BlockRelaySlots() == 0 || m.outboundFull() < m.cfg.MaxOutbound ||
		m.outboundBlockRelay() < m.cfg.BlockRelaySlots() || m.automaticOutbound() >= m.grants() {
		return false
	}
	m.nextExtraBlockRelay = now.Add(m.expDuration(ExtraBlockRelayInterval))
	return true
}

// expDuration draws an exponential duration of the given mean (Core's
// rand_exp_duration).
func (m *Machine) expDuration(mean time.Duration) time.Duration {
	return time.Duration(m.cfg.Rand.ExpFloat64() * float64(mean))
}

// outboundGroups are the network groups of our outbound connections and
// dials, which a new automatic one must not share (Core counts manual,
// full-relay and block-relay-only ones; here every outbound one).
func (m *Machine) outboundGroups() map[string]bool {
	groups := make(map[string]bool)
	for _, p := range m.peers {
		if !p.inbound {
			groups[netGroup(p.remote)] = true
		}
	}
	for _, d := range m.dials {
		groups[netGroup(d.addr)] = true
	}
	return groups
}

// dialAnchors dials the anchors read at start as block-relay-only
// connections while block-relay-only slots are free, each one once (Core
// pops them whatever the outcome), skipping those connected, banned or
// discouraged, ourselves, those sharing a network group with an outbound
// connection, and those whose services lack what a block-relay-only peer
// must offer (Core's HasAllDesirableServiceFlags).
func (m *Machine) dialAnchors(now time.Time, out []Action) []Action {
	for len(m.anchors) > 0 && m.outboundBlockRelay() < m.cfg.BlockRelaySlots() {
		a := m.anchors[len(m.anchors)-1]
		m.anchors = m.anchors[:len(m.anchors)-1]
		addr := unmapped(a.Addr)
		if !addr.IsValid() || m.busy(addr) || slices.Contains(m.inUse(), addr) || m.bans.banned(addr.Addr(), now) ||
			m.discouraged.has(addr.Addr()) || m.outboundGroups()[netGroup(addr)] ||
			a.Services&expectedServices(ConnBlockRelayOnly) != expectedServices(ConnBlockRelayOnly) {
			continue
		}
		out = note(out, LevelInfo, "trying anchor connection", fAddr(addr))
		out = m.dial(addr, ConnBlockRelayOnly, "", a.Services, out)
	}
	return out
}

// LoadAnchors gives the anchors read from the anchors file, before Start:
// the first MaxAnchors are dialled first, as block-relay-only (Core's
// ReadAnchors, cut as CConnman::Start does).
func (m *Machine) LoadAnchors(anchors []Anchor) {
	m.anchors = slices.Clone(anchors[:min(len(anchors), MaxAnchors)])
}

// Anchors are the addresses of the block-relay-only peers to keep across a
// restart, at most MaxAnchors, oldest connection first (Core's
// GetCurrentBlockRelayOnlyConns, cut as DumpAnchors is).
func (m *Machine) Anchors() []Anchor {
	var ps []*peer
	for _, p := range m.peers {
		if p.connType == ConnBlockRelayOnly {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *peer) int { return cmpID(a.id, b.id) })
	out := make([]Anchor, 0, min(len(ps), MaxAnchors))
	for _, p := range ps[:min(len(ps), MaxAnchors)] {
		out = append(out, Anchor{Addr: p.remote, Services: p.services})
	}
	return out
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BlockAnnounced records that peer id gave us a new best header at at
// (Core's m_last_block_announcement for a full-relay peer, m_last_block_time
// for a block-relay-only one; this node has headers only). The chain
// decides, connmgr's extra-peer eviction reads it.
func (m *Machine) BlockAnnounced(id uint64, at time.Time) {
	if p := m.peers[id]; p != nil && at.After(p.lastBlock) {
		p.lastBlock = at
	}
}

// ChainProtected records that the chain protects peer id from the outbound
// eviction of a stale chain (Core's m_chain_sync.m_protect): it is never
// evicted as an extra full-relay peer either.
func (m *Machine) ChainProtected(id uint64) {
	if p := m.peers[id]; p != nil {
		p.protected = true
	}
}

// TryNewOutbound is the chain's stale-tip verdict, every STALE_CHECK_INTERVAL
// (Core's SetTryNewOutboundPeer): while set and the slots are full, one
// full-relay peer more than the slots is dialled; the extra-peer check
// evicts one afterwards and clears it. Without automatic outbound
// connections it stays clear, as Core checks GetUseAddrmanOutgoing.
func (m *Machine) TryNewOutbound(on bool, out []Action) []Action {
	on = on && m.automatic() && m.cfg.MaxOutbound > 0
	if on == m.tryNewOutbound {
		return out
	}
	m.tryNewOutbound = on
	return note(out, LevelDebug, "setting try another outbound peer", Field{"value", on})
}

// StartExtraBlockRelay turns on the periodic extra block-relay-only peers,
// once initial sync is over (Core's StartExtraBlockRelayPeers).
func (m *Machine) StartExtraBlockRelay(out []Action) []Action {
	if m.extraBlockRelayOn {
		return out
	}
	m.extraBlockRelayOn = true
	return note(out, LevelDebug, "enabling extra block-relay-only peers")
}

// TryingNewOutbound reports the stale-tip flag (Core's
// GetTryNewOutboundPeer).
func (m *Machine) TryingNewOutbound() bool { return m.tryNewOutbound }

// maybeEvictExtra runs the extra-peer check every ExtraPeerCheckInterval.
func (m *Machine) maybeEvictExtra(now time.Time, out []Action) []Action {
	if m.nextExtraCheck.IsZero() {
		m.nextExtraCheck = now.Add(ExtraPeerCheckInterval)
		return out
	}
	if now.Before(m.nextExtraCheck) {
		return out
	}
	m.nextExtraCheck = now.Add(ExtraPeerCheckInterval)
	return m.EvictExtraOutbound(now, out)
}

// EvictExtraOutbound is Core's EvictExtraOutboundPeers. With more
// block-relay-only peers than slots, the youngest is closed, unless it gave
// us a block (a new best header) more recently than the next-youngest,
// which is closed instead; either only once connected MinimumConnectTime.
// With more full-relay peers than slots, the one whose last block
// announcement is oldest (ties: the youngest) is closed, once connected
// longer than MinimumConnectTime, sparing peers the chain protects and the
// only full-relay or manual connection to a network; then the stale-tip
// flag is cleared. Only peers past their handshake and not already chosen
// count, as in Core's GetExtra*Count.
func (m *Machine) EvictExtraOutbound(now time.Time, out []Action) []Action {
	if m.stopped {
		return out
	}
	if m.extraCount(ConnBlockRelayOnly, m.cfg.BlockRelaySlots()) > 0 {
		var youngest, next *peer
		for _, p := range m.sortedPeers() {
			if p.connType != ConnBlockRelayOnly || p.extra {
				continue
			}
			next, youngest = youngest, p
		}
		victim := youngest
		if next != nil && youngest.lastBlock.After(next.lastBlock) {
			victim = next
		}
		if now.Sub(victim.since) >= MinimumConnectTime {
			victim.extra = true
			out = note(out, LevelDebug, "disconnecting extra block-relay-only peer", fPeer(victim.id),
				fAddr(victim.remote), Field{"last_block", victim.lastBlock})
			out = append(out, Action{Kind: Close, Conn: victim.conn, Reason: ReasonExtraBlockRelay})
		} else {
			out = note(out, LevelDebug, "keeping block-relay-only peer chosen for eviction", fPeer(victim.id))
		}
	}
	if m.extraCount(ConnOutboundFullRelay, m.cfg.MaxOutbound) > 0 {
		var worst *peer
		for _, p := range m.sortedPeers() {
			if p.connType != ConnOutboundFullRelay || p.extra || p.protected || !m.multipleOnNetwork(p) {
				continue
			}
			if worst == nil || !p.lastBlock.After(worst.lastBlock) {
				worst = p // sorted by id: an equal time goes to the younger
			}
		}
		if worst != nil {
			if now.Sub(worst.since) > MinimumConnectTime {
				worst.extra = true
				out = note(out, LevelDebug, "disconnecting extra outbound peer", fPeer(worst.id), fAddr(worst.remote),
					Field{"last_block_announcement", worst.lastBlock})
				out = append(out, Action{Kind: Close, Conn: worst.conn, Reason: ReasonExtraOutbound})
				// One extra peer did its job: no more until the next stale
				// tip.
				out = m.TryNewOutbound(false, out)
			} else {
				out = note(out, LevelDebug, "keeping outbound peer chosen for eviction", fPeer(worst.id))
			}
		}
	}
	return out
}

// extraCount is how many handshaken connections of connType, not already
// chosen as extras, exceed slots (Core's GetExtraFullOutboundCount and
// GetExtraBlockRelayCount).
func (m *Machine) extraCount(connType string, slots int) int {
	n := 0
	for _, p := range m.peers {
		if p.connType == connType && p.handshaken && !p.extra {
			n++
		}
	}
	return max(n-slots, 0)
}

// multipleOnNetwork reports whether p's network has another full-relay or
// manual connection not chosen as an extra (Core's
// MultipleManualOrFullOutboundConns, by CNetAddr::GetNetwork, in which
// every unroutable address is of one network).
func (m *Machine) multipleOnNetwork(p *peer) bool {
	net := networkOf(p.remote.Addr())
	n := 0
	for _, q := range m.peers {
		if (q.connType == ConnOutboundFullRelay || q.connType == ConnManual) && !q.extra && networkOf(q.remote.Addr()) == net {
			n++
		}
	}
	return n > 1
}

// networkOf is Core's GetNetwork: the address's network, or -1 for any
// unroutable one.
func networkOf(a netip.Addr) int {
	na := netaddr.FromIP(a)
	if !na.IsRoutable() {
		return -1
	}
	return int(na.Net())
}

// sortedPeers is the table by id (oldest connection first).
func (m *Machine) sortedPeers() []*peer {
	ps := make([]*peer, 0, len(m.peers))
	for _, p := range m.peers {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *peer) int { return cmpID(a.id, b.id) })
	return ps
}
