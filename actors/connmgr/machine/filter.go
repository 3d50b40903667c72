package machine

import (
	"net/netip"
	"time"
)

// filterRefresh is how often a filter that excludes something is sent to
// the address book again although nothing changed, so that an address
// book that restarted (and lost it) has it again soon.
const filterRefresh = time.Minute

// AddrFilter is what the address book must neither take from gossip nor
// hand out in getaddr answers, as Core's ProcessAddrs and GetAddresses
// skip what BanMan says IsBanned or IsDiscouraged. It is immutable: the
// slices are shared between filters and must not be changed.
type AddrFilter struct {
	// Bans are the bans in force, sorted by subnet.
	Bans []BanEntry
	// Discouraged are the discouraged addresses, unmapped, sorted by
	// netip.Addr.Compare.
	Discouraged []netip.Addr
}

// Filter returns the address book's filter as it stands at now.
func (m *Machine) Filter(now time.Time) AddrFilter {
	return AddrFilter{Bans: m.bans.snapshot(now), Discouraged: m.discouraged.list()}
}

// sendFilter emits the AddrFilter action when the bans or the discouraged
// addresses changed since the last one: at once for an operator's command
// (urgent), otherwise at most once per TickInterval (misbehaving peers,
// which an attacker controls, may come fast: building a filter copies the
// ban list and may sort the discouraged addresses; Tick sends what was
// held back). It is sent again every filterRefresh while it excludes
// anything.
func (m *Machine) sendFilter(now time.Time, out []Action, urgent bool) []Action {
	if !m.cfg.AddrBook || m.stopped {
		return out
	}
	sent := !m.filterAt.IsZero()
	switch {
	case m.filterDirty && (urgent || !sent || now.Sub(m.filterAt) >= TickInterval):
	case m.filterNonEmpty && sent && now.Sub(m.filterAt) >= filterRefresh:
	default:
		return out
	}
	f := m.Filter(now)
	m.filterDirty, m.filterAt = false, now
	m.filterNonEmpty = len(f.Bans) > 0 || len(f.Discouraged) > 0
	return append(out, Action{Kind: Filter, Bans: f.Bans, Discouraged: f.Discouraged})
}
