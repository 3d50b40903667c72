package machine

import (
	"net/netip"
	"slices"
	"time"
)

// BanEntry is one ban: Subnet is banned from Since until Until. The JSON
// names are those of Core's listbanned.
type BanEntry struct {
	Subnet netip.Prefix `json:"address"`
	Until  time.Time    `json:"banned_until"`
	Since  time.Time    `json:"ban_created"`
}

// DefaultBanTime is how long a Ban with a zero Until lasts (Core's
// DEFAULT_MISBEHAVING_BANTIME, 24 hours).
const DefaultBanTime = 24 * time.Hour

// banList is the in-memory ban list.
type banList struct {
	list []BanEntry
}

// NormalizeSubnet turns a ban subnet into its canonical form: IPv4-mapped IPv6
// prefixes become IPv4 ones, host bits are cleared.
func NormalizeSubnet(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() {
		bits := max(p.Bits()-96, 0)
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked()
}

// add bans subnet until until, replacing a ban of the same subnet.
func (b *banList) add(subnet netip.Prefix, since, until time.Time) {
	subnet = NormalizeSubnet(subnet)
	b.remove(subnet)
	b.list = append(b.list, BanEntry{Subnet: subnet, Since: since, Until: until})
}

// remove lifts the ban of exactly subnet, reporting whether there was one.
func (b *banList) remove(subnet netip.Prefix) bool {
	subnet = NormalizeSubnet(subnet)
	n := len(b.list)
	b.list = slices.DeleteFunc(b.list, func(e BanEntry) bool { return e.Subnet == subnet })
	return len(b.list) != n
}

// banned reports whether addr lies in a subnet banned at now.
func (b *banList) banned(addr netip.Addr, now time.Time) bool {
	addr = addr.Unmap()
	for _, e := range b.list {
		if now.Before(e.Until) && e.Subnet.Contains(addr) {
			return true
		}
	}
	return false
}

// sweep drops the bans that have expired at now.
func (b *banList) sweep(now time.Time) (removed bool) {
	n := len(b.list)
	b.list = slices.DeleteFunc(b.list, func(e BanEntry) bool { return !now.Before(e.Until) })
	return len(b.list) != n
}

// snapshot returns the bans in force, sorted by subnet.
func (b *banList) snapshot(now time.Time) []BanEntry {
	out := make([]BanEntry, 0, len(b.list))
	for _, e := range b.list {
		if now.Before(e.Until) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(x, y BanEntry) int {
		if c := x.Subnet.Addr().Compare(y.Subnet.Addr()); c != 0 {
			return c
		}
		return x.Subnet.Bits() - y.Subnet.Bits()
	})
	return out
}
