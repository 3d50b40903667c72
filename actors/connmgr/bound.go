package connmgr

import "net/netip"

// boundListener is the address of our first working listener when it is
// bound to one specific IP and the peer sees us on loopback (or not at
// all): our connection then leaves from the loopback address the system
// picks, not from where we listen, as with several nodes on 127.0.0.x of
// one machine. The zero value otherwise.
func (c *connMgr) boundListener(seenAs netip.Addr) netip.AddrPort {
	seenAs = seenAs.Unmap()
	if seenAs.IsValid() && !seenAs.IsUnspecified() && !seenAs.IsLoopback() {
		return netip.AddrPort{}
	}
	for _, l := range c.listeners {
		if l.done && l.err == nil && l.addr.IsValid() {
			if l.addr.Addr().IsUnspecified() {
				return netip.AddrPort{}
			}
			return unmapped(l.addr)
		}
	}
	return netip.AddrPort{}
}
