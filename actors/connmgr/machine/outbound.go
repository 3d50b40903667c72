package machine

import (
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// outboundFull counts automatic outbound connections, open or being dialled:
// the table's count (kept by spawn and remove, so that the heartbeat costs
// nothing per inbound peer) and the dials, which are few.
func (m *Machine) outboundFull() int {
	n := m.fullRelayPeers
	for _, d := range m.dials {
		if d.connType == ConnOutboundFullRelay {
			n++
		}
	}
	return n
}

// fillOutbound asks the address book for candidates for the free automatic
// outbound slots (none in -connect mode): the full-relay ones, then the
// block-relay-only ones, then, with both full, the extra full-relay peer of
// a stale tip or the periodic extra block-relay-only peer, in the order of
// Core's ThreadOpenConnections.
func (m *Machine) fillOutbound(now time.Time, out []Action) []Action {
	if !m.automatic() {
		return out
	}
	if m.asked && now.Sub(m.askedAt) < candidatesWait {
		return out
	}
	free := max(m.cfg.MaxOutbound-m.outboundFull(), 0) + max(m.cfg.BlockRelaySlots()-m.outboundBlockRelay(), 0)
	if free == 0 {
		switch {
		case m.extraFullWanted():
			free = 1
		case m.extraBlockRelayDue(now):
			free, m.extraBlockRelayAsked = 1, true
		}
	}
	if free <= 0 {
		return out
	}
	m.asked, m.askedAt = true, now
	return append(out, Action{Kind: AskCandidates, Max: free, Exclude: m.inUse()})
}

// inUse lists the addresses of our outbound connections, the ones being
// dialled and those kept by manual nodes. Inbound peers are left out, as in
// Core's ThreadOpenConnections: their addresses are ephemeral ports that the
// book does not offer, and listing thousands of them on every request was
// most of an idle node's CPU; busy() still refuses an exact match.
func (m *Machine) inUse() []netip.AddrPort {
	out := make([]netip.AddrPort, 0, m.cfg.MaxOutbound+len(m.dials)+len(m.manual))
	for _, p := range m.peers {
		if !p.inbound {
			out = append(out, p.remote)
		}
	}
	for _, d := range m.dials {
		out = append(out, d.addr)
	}
	for _, n := range m.manual {
		if n.addr.IsValid() {
			out = append(out, n.addr)
		}
	}
	// Never dial ourselves (Core's IsLocal check): our listeners and the
	// addresses we announce. A wildcard listener's address is unknown here;
	// the version nonce check catches a dial to it.
	for _, l := range m.listeners {
		if l.done && l.err == nil && l.addr.IsValid() && !l.addr.Addr().IsUnspecified() {
			out = append(out, l.addr)
		}
	}
	for _, l := range m.LocalAddrs() {
		out = append(out, l.Addr)
	}
	return out
}

// busy reports whether addr is connected or being dialled.
func (m *Machine) busy(addr netip.AddrPort) bool {
	for _, p := range m.peers {
		if p.remote == addr {
			return true
		}
	}
	for _, d := range m.dials {
		if d.addr == addr {
			return true
		}
	}
	return false
}

// maybeFeeler asks the address book for a feeler's address when one is
// due: the automatic outbound slots are full, no feeler is open or being
// dialled, and the exponential timer (Core's rand_exp_duration of
// FEELER_INTERVAL) has run out.
func (m *Machine) maybeFeeler(now time.Time, out []Action) []Action {
	if m.cfg.FeelerSlots() == 0 {
		return out // feelers are off
	}
	if m.nextFeeler.IsZero() {
		m.nextFeeler = now.Add(m.expInterval())
		return out
	}
	if now.Before(m.nextFeeler) || m.outboundFull() < m.cfg.MaxOutbound || m.feelerBusy() ||
		m.outboundBlockRelay() < m.cfg.BlockRelaySlots() || m.tryNewOutbound || m.automaticOutbound() >= m.grants() {
		return out
	}
	if m.askedFeeler && now.Sub(m.askedFeelerAt) < candidatesWait {
		return out
	}
	m.nextFeeler = now.Add(m.expInterval())
	m.askedFeeler, m.askedFeelerAt = true, now
	return append(out, Action{Kind: AskCandidates, Max: 1, Feeler: true, Exclude: m.inUse()})
}

// expInterval draws the time to the next feeler: exponential with mean
// FeelerInterval, like Core's rand_exp_duration, so that feelers come at
// unpredictable times.
func (m *Machine) expInterval() time.Duration {
	return time.Duration(m.cfg.Rand.ExpFloat64() * float64(m.cfg.FeelerInterval))
}

// feelerBusy reports whether a feeler is open or being dialled (Core's
// MAX_FEELER_CONNECTIONS is 1).
func (m *Machine) feelerBusy() bool {
	if m.feelerPeers > 0 {
		return true
	}
	for _, d := range m.dials {
		if d.connType == ConnFeeler {
			return true
		}
	}
	return false
}

// Candidates is the address book's answer to AskCandidates (a feeler's
// when feeler): the free outbound slots are dialled, one address per
// network group as Core does, skipping what is connected, being dialled,
// banned or discouraged.
func (m *Machine) Candidates(now time.Time, addrs []netip.AddrPort, feeler bool, out []Action) []Action {
	return m.CandidatesWithServices(now, addrs, nil, feeler, out)
}

// CandidatesWithServices is Candidates with the services the address book
// knows for each address (services[i] for addrs[i]; nil or short means
// none known), which decide whether a dial starts with v2 (see useV2).
func (m *Machine) CandidatesWithServices(now time.Time, addrs []netip.AddrPort, services []protocol.ServiceFlag, feeler bool, out []Action) []Action {
	if feeler {
		return m.feeler(now, addrs, services, out)
	}
	m.asked = false
	extraBlock := m.extraBlockRelayAsked
	m.extraBlockRelayAsked = false
	if m.stopped {
		return out
	}
	groups := m.outboundGroups()
	for i, addr := range addrs {
		connType := m.nextOutboundType(extraBlock)
		if connType == "" {
			break
		}
		addr = unmapped(addr)
		if m.busy(addr) || m.bans.banned(addr.Addr(), now) || m.discouraged.has(addr.Addr()) {
			continue
		}
		g := netGroup(addr)
		if groups[g] {
			continue // one outbound per group, as Core does
		}
		groups[g] = true
		if connType == ConnBlockRelayOnly && m.outboundBlockRelay() >= m.cfg.BlockRelaySlots() {
			extraBlock = false
		}
		out = m.dial(addr, connType, "", serviceAt(services, i), out)
	}
	return out
}

// nextOutboundType is the type of the next automatic outbound connection
// to make, "" for none: a full-relay slot, a block-relay-only slot, the
// extra full-relay peer of a stale tip, the extra block-relay-only peer
// when extraBlock says it was asked for and a grant is left.
func (m *Machine) nextOutboundType(extraBlock bool) string {
	switch {
	case m.outboundFull() < m.cfg.MaxOutbound:
		return ConnOutboundFullRelay
	case m.outboundBlockRelay() < m.cfg.BlockRelaySlots():
		return ConnBlockRelayOnly
	case m.extraFullWanted():
		return ConnOutboundFullRelay
	case extraBlock && m.cfg.BlockRelaySlots() > 0 && m.automaticOutbound() < m.grants():
		return ConnBlockRelayOnly
	}
	return ""
}

// feeler dials the address the book chose for a feeler, if any and still
// free.
func (m *Machine) feeler(now time.Time, addrs []netip.AddrPort, services []protocol.ServiceFlag, out []Action) []Action {
	m.askedFeeler = false
	if m.stopped || m.feelerBusy() {
		return out
	}
	for i, addr := range addrs {
		addr = unmapped(addr)
		if m.busy(addr) || m.bans.banned(addr.Addr(), now) || m.discouraged.has(addr.Addr()) {
			continue
		}
		return m.dial(addr, ConnFeeler, "", serviceAt(services, i), out)
	}
	return out
}

// serviceAt is services[i], or none.
func serviceAt(services []protocol.ServiceFlag, i int) protocol.ServiceFlag {
	if i < len(services) {
		return services[i]
	}
	return 0
}

// dial asks io to connect to addr; services are what the address book
// knows the address for.
func (m *Machine) dial(addr netip.AddrPort, connType, manual string, services protocol.ServiceFlag, out []Action) []Action {
	tag := m.nextTag
	m.nextTag++
	v2 := m.useV2(addr, connType, manual, services)
	m.dials[tag] = &pendingDial{addr: addr, connType: connType, manual: manual, v2: v2}
	level := LevelInfo
	if connType == ConnFeeler {
		level = LevelDebug // every two minutes: Core logs these at debug too
	}
	out = note(out, level, "connecting", fAddr(addr), fConnType(connType))
	return append(out, Action{Kind: Dial, Tag: tag, Addr: addr, ConnType: connType, V2: v2})
}
