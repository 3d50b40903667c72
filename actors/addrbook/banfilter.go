package addrbook

import (
	"net/netip"
	"slices"
	"time"
)

// BanFilter tells the book which addresses it must neither take from
// gossip nor hand out in getaddr answers: the banned subnets and the
// discouraged addresses, as Core's ProcessAddrs skips (beyond remembering
// that the peer knows them) and CConnman::GetAddresses leaves out what
// BanMan says IsBanned or IsDiscouraged. connmgr owns bans and
// discouragement and sends a new BanFilter whenever either changes (and
// again every minute while it excludes anything, so a restarted book has
// it soon). A BanFilter is immutable once sent: its slices are shared and
// must not be changed. Until the first, nothing is excluded.
//
// Like Core, which builds a getaddr answer once and keeps it about a day,
// an answer built before an address was banned may still carry it until
// the answer is rebuilt.
type BanFilter struct {
	// Bans are the banned subnets, each until its Until.
	Bans []BannedSubnet
	// Discouraged are the discouraged addresses, unmapped, sorted by
	// netip.Addr.Compare.
	Discouraged []netip.Addr
}

// BannedSubnet is one ban of a BanFilter: Subnet is banned until Until.
type BannedSubnet struct {
	Subnet netip.Prefix
	Until  time.Time
}

// Excludes reports whether addr is banned at now or discouraged. A nil
// filter excludes nothing.
func (f *BanFilter) Excludes(addr netip.Addr, now time.Time) bool {
	if f == nil {
		return false
	}
	addr = addr.Unmap()
	for _, b := range f.Bans {
		if now.Before(b.Until) && b.Subnet.Contains(addr) {
			return true
		}
	}
	_, found := slices.BinarySearchFunc(f.Discouraged, addr, netip.Addr.Compare)
	return found
}

// excluded reports whether the book's filter excludes k. Tor, I2P and
// CJDNS addresses are never banned here (bans are IP subnets).
func (a *addrBook) excluded(k addrKey, now time.Time) bool {
	ap, ok := k.addrPort()
	return ok && a.bans.Excludes(ap.Addr(), now)
}
