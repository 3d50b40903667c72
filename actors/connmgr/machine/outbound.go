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
// outbound slots (none in -connect mode).
func (m *Machine) fillOutbound(now time.Time, out []Action) []Action {
	if len(m.cfg.Connect) > 0 || !m.cfg.AddrBook {
		return out
	}
	if m.asked && now.Sub(m.askedAt) < candidatesWait {
		return out
	}
	free := m.cfg.MaxOutbound - m.outboundFull()
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
	if now.Before(m.nextFeeler) || m.outboundFull() < m.cfg.MaxOutbound || m.feelerBusy() {
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
	if m.stopped {
		return out
	}
	free := m.cfg.MaxOutbound - m.outboundFull()
	groups := make(map[string]bool)
	for _, p := range m.peers {
		if !p.inbound {
			groups[netGroup(p.remote)] = true
		}
	}
	for _, d := range m.dials {
		groups[netGroup(d.addr)] = true
	}
	for i, addr := range addrs {
		if free <= 0 {
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
		out = m.dial(addr, ConnOutboundFullRelay, "", serviceAt(services, i), out)
		free--
	}
	return out
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
