//go:build linux && !transport_portable

package transport

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// sockaddrOf converts an address to the form the socket calls take, with the
// matching address family. An IPv4-mapped IPv6 address is treated as IPv4.
func sockaddrOf(ap netip.AddrPort) (unix.Sockaddr, int, error) {
	addr := ap.Addr().Unmap()
	switch {
	case addr.Is4():
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: addr.As4()}, unix.AF_INET, nil
	case addr.Is6():
		sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: addr.As16()}
		return sa, unix.AF_INET6, nil
	default:
		return nil, 0, fmt.Errorf("address %v: not an IP address", ap)
	}
}

// addrPortOf converts a socket address back; it returns the zero value for
// families other than IPv4 and IPv6.
func addrPortOf(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	default:
		return netip.AddrPort{}
	}
}

// localAddr returns the address a socket is bound to, or the zero value.
func localAddr(fd int) netip.AddrPort {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}
	}
	return addrPortOf(sa)
}
