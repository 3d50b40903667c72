package machine

import (
	"net/netip"
	"time"
)

// discourageCapacity is how many addresses the discouragement filter
// remembers (Core's BanMan keeps them in a rolling bloom filter of 50,000
// entries, forgetting the oldest as new ones come).
const discourageCapacity = 50000

// discouraged is Core's BanMan discouragement filter: addresses whose peers
// misbehaved. Unlike a ban it is not listed, not saved and does not expire;
// it is forgotten as newer addresses push it out. A discouraged address is
// not dialled, its inbound connections are refused when the inbound slots
// are (almost) full, and otherwise admitted but evicted first.
type discouraged struct {
	set map[netip.Addr]struct{}
	// ring holds the addresses in the order they came; head is the oldest
	// once it is full.
	ring []netip.Addr
	head int
}

// add remembers a, forgetting the oldest address when full.
func (d *discouraged) add(a netip.Addr) {
	a = a.Unmap()
	if _, ok := d.set[a]; ok {
		return
	}
	if d.set == nil {
		d.set = make(map[netip.Addr]struct{})
	}
	if len(d.ring) < discourageCapacity {
		d.ring = append(d.ring, a)
	} else {
		delete(d.set, d.ring[d.head])
		d.ring[d.head] = a
		d.head = (d.head + 1) % len(d.ring)
	}
	d.set[a] = struct{}{}
}

// has reports whether a is discouraged.
func (d *discouraged) has(a netip.Addr) bool {
	_, ok := d.set[a.Unmap()]
	return ok
}

// Misbehaved is a report that peer id broke the protocol's rules, handled
// as Core's MaybeDiscourageAndDisconnect: a manual peer is never punished;
// a local one (loopback) is disconnected without discouraging its address,
// which every local peer shares; any other is disconnected, its address
// discouraged, and every other connection from that address closed too.
func (m *Machine) Misbehaved(now time.Time, id uint64, out []Action) []Action {
	p := m.peers[id]
	if p == nil {
		return out
	}
	if p.connType == ConnManual {
		return note(out, LevelWarn, "not punishing manually connected peer", fPeer(p.id), fAddr(p.remote))
	}
	if isLocal(p.remote.Addr()) {
		out = note(out, LevelDebug, "disconnecting but not discouraging local peer", fPeer(p.id), fAddr(p.remote))
		return append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonMisbehaved})
	}
	addr := p.remote.Addr()
	m.discouraged.add(addr)
	out = note(out, LevelDebug, "disconnecting and discouraging peer", fPeer(p.id), fAddr(p.remote))
	for _, q := range m.peers {
		if q.remote.Addr() == addr {
			out = append(out, Action{Kind: Close, Conn: q.conn, Reason: ReasonMisbehaved})
		}
	}
	return out
}

// Discouraged reports whether addr is discouraged.
func (m *Machine) Discouraged(addr netip.Addr) bool { return m.discouraged.has(addr) }
