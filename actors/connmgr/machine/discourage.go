package machine

import (
	"net/netip"
	"slices"
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
	// sorted is the addresses in netip.Addr.Compare order, made on demand
	// for the address book's filter and never changed once made (nil when
	// it must be made again): filters sent earlier share it.
	sorted []netip.Addr
}

// add remembers a, forgetting the oldest address when full. It reports
// whether a is new.
func (d *discouraged) add(a netip.Addr) bool {
	a = a.Unmap()
	if _, ok := d.set[a]; ok {
		return false
	}
	d.sorted = nil
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
	return true
}

// list returns the addresses sorted; the caller must not change it.
func (d *discouraged) list() []netip.Addr {
	if d.sorted == nil && len(d.ring) > 0 {
		d.sorted = slices.Clone(d.ring)
		slices.SortFunc(d.sorted, netip.Addr.Compare)
	}
	return d.sorted
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
//
// The report may come after the peer has left the table: its termination
// (a system message, which overtakes the report in the owner's mailbox)
// or io's report of its connection's end may be handled first, if the
// remote closed at once. The machine remembers the last goneCapacity peers
// that left for that, so misbehaviour counts whatever the order, as in
// Core, which discourages a peer even when its socket has just closed.
func (m *Machine) Misbehaved(now time.Time, id uint64, out []Action) []Action {
	var who gonePeer
	if p := m.peers[id]; p != nil {
		who = gonePeer{id: p.id, remote: p.remote, connType: p.connType}
	} else if g, ok := m.gone.find(id); ok {
		who = g
	} else {
		return note(out, LevelDebug, "misbehaviour of an unknown peer", fPeer(id))
	}
	if who.connType == ConnManual {
		return note(out, LevelWarn, "not punishing manually connected peer", fPeer(who.id), fAddr(who.remote))
	}
	if isLocal(who.remote.Addr()) {
		out = note(out, LevelDebug, "disconnecting but not discouraging local peer", fPeer(who.id), fAddr(who.remote))
		if p := m.peers[id]; p != nil {
			out = append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonMisbehaved})
		}
		return out
	}
	addr := who.remote.Addr()
	if m.discouraged.add(addr) {
		m.filterDirty = true
	}
	out = note(out, LevelDebug, "disconnecting and discouraging peer", fPeer(who.id), fAddr(who.remote))
	// The address book first: it hears of the address before anything
	// that follows from the closes.
	out = m.sendFilter(now, out, false)
	for _, q := range m.peers {
		if q.remote.Addr() == addr {
			out = append(out, Action{Kind: Close, Conn: q.conn, Reason: ReasonMisbehaved})
		}
	}
	return out
}

// goneCapacity is how many of the peers that left the table the machine
// remembers for late reports of misbehaviour. Such a report is late by
// the time the owner takes to reach it in its mailbox: a thousand other
// peers leaving meanwhile is a lot.
const goneCapacity = 1024

// gonePeer is what a late misbehaviour report needs of a peer that left.
type gonePeer struct {
	id       uint64
	remote   netip.AddrPort
	connType string
}

// goneRing holds the last goneCapacity peers that left the table.
type goneRing struct {
	ring []gonePeer
	next int
}

func (g *goneRing) add(p gonePeer) {
	if len(g.ring) < goneCapacity {
		g.ring = append(g.ring, p)
		return
	}
	g.ring[g.next] = p
	g.next = (g.next + 1) % goneCapacity
}

func (g *goneRing) find(id uint64) (gonePeer, bool) {
	for _, p := range g.ring {
		if p.id == id {
			return p, true
		}
	}
	return gonePeer{}, false
}

// Discouraged reports whether addr is discouraged.
func (m *Machine) Discouraged(addr netip.Addr) bool { return m.discouraged.has(addr) }
