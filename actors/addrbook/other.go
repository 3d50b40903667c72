package addrbook

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// maxOtherEntries bounds the table of non-IP addresses.
const maxOtherEntries = 1024 * 16

// otherKey names an address of a network that is not plain IP.
type otherKey struct {
	network protocol.NetworkID
	addr    [32]byte
	port    uint16
}

// otherEntry is a Tor v3, I2P or CJDNS address. We cannot dial those
// networks, so such entries are only kept and passed on in addrv2 answers.
type otherEntry struct {
	key      otherKey
	services protocol.ServiceFlag
	source   netip.Addr
	lastSeen time.Time
	index    int
}

// otherTable holds the non-IP addresses, as book holds the IP ones.
type otherTable struct {
	entries map[otherKey]*otherEntry
	list    []*otherEntry
	max     int
}

func newOtherTable(max int) *otherTable {
	return &otherTable{entries: make(map[otherKey]*otherEntry), max: max}
}

func (t *otherTable) len() int { return len(t.list) }

// add records a; a full table drops a random entry first.
func (t *otherTable) add(a *protocol.NetAddressV2, seen time.Time, source netip.Addr, rng *rand.Rand) bool {
	k := otherKey{network: a.Network, addr: a.Addr, port: a.Port}
	if e, ok := t.entries[k]; ok {
		e.services |= a.Services
		if seen.After(e.lastSeen) {
			e.lastSeen = seen
		}
		return false
	}
	if len(t.list) >= t.max {
		victim := t.list[rng.IntN(len(t.list))]
		last := t.list[len(t.list)-1]
		t.list[victim.index] = last
		last.index = victim.index
		t.list = t.list[:len(t.list)-1]
		delete(t.entries, victim.key)
	}
	e := &otherEntry{key: k, services: a.Services, source: source, lastSeen: seen, index: len(t.list)}
	t.entries[k] = e
	t.list = append(t.list, e)
	return true
}

// sample appends to dst random entries seen within the horizon, until dst
// holds limit, each entry with an even chance of a place.
func (t *otherTable) sample(dst []protocol.NetAddressV2, limit int, now time.Time, rng *rand.Rand) []protocol.NetAddressV2 {
	room := limit - len(dst)
	if room <= 0 || len(t.list) == 0 {
		return dst
	}
	// Give the non-IP addresses their share of the answer: as many as
	// their part of the whole book, at least one.
	share := max(1, room*len(t.list)/(len(t.list)+len(dst)))
	picked := make([]*otherEntry, 0, min(share, len(t.list)))
	n := 0
	for _, e := range t.list {
		if now.Sub(e.lastSeen) > horizon {
			continue
		}
		n++
		picked = reservoir(picked, share, n, e, rng)
	}
	for _, e := range picked {
		dst = append(dst, e.v2())
	}
	return dst
}

func (e *otherEntry) v2() protocol.NetAddressV2 {
	return protocol.NetAddressV2{
		Timestamp: unixStamp(e.lastSeen),
		Services:  e.services,
		Network:   e.key.network,
		Addr:      e.key.addr,
		Port:      e.key.port,
	}
}

func (t *otherTable) snapshot(out *Addrs) *Addrs {
	for _, e := range t.list {
		v2 := e.v2()
		ent := Entry{
			Network:  v2.Network.String(),
			Host:     v2.String(),
			Services: e.services,
			Source:   e.source,
			LastSeen: e.lastSeen,
		}
		if ap, ok := v2.AddrPort(); ok {
			ent.Addr = ap
		}
		out.List = append(out.List, ent)
	}
	return out
}

// addV2 adds one addrv2 entry: IP ones to the book, Tor v3, I2P and CJDNS
// ones to the table of addresses kept but never dialled.
func (a *addrBook) addV2(na *protocol.NetAddressV2, source netip.Addr, now time.Time) bool {
	seen := gossipStamp(na.Timestamp, now)
	switch na.Network {
	case protocol.NetIPv4, protocol.NetIPv6:
		ap, _ := na.AddrPort()
		return a.addIP(ap, na.Services, seen, source, now)
	case protocol.NetCJDNS:
		ap, _ := na.AddrPort()
		if !cjdnsPrefix.Contains(ap.Addr()) || ap.Port() == 0 {
			return false
		}
	case protocol.NetTorV3:
		if na.Port == 0 {
			return false
		}
	case protocol.NetI2P:
		// I2P has no ports (SAM 3.1): 0 is the only valid one.
	default:
		return false
	}
	return a.other.add(na, seen, source, a.rng)
}

// cjdnsPrefix is where every CJDNS address lies.
var cjdnsPrefix = netip.MustParsePrefix("fc00::/8")

// v2FromEntry converts an IP entry for an addrv2 answer.
func v2FromEntry(e *entry) protocol.NetAddressV2 {
	return protocol.NetAddressV2From(protocol.NetAddress{
		Timestamp: unixStamp(e.lastSeen),
		Services:  e.services,
		Addr:      e.addr.Addr(),
		Port:      e.addr.Port(),
	})
}
