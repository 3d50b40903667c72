package portmap

import (
	"fmt"
	"net"
	"net/netip"
)

// LocalAddrFor returns the local address the kernel would send from to reach
// to, by connecting a UDP socket (which sends nothing). It is our address as
// the gateway sees it: PCP puts it in every request and UPnP names it as the
// mapping's internal client.
func LocalAddrFor(to netip.AddrPort) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("local address towards %s: %w", to, err)
	}
	defer c.Close()
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	return ap.Addr().Unmap(), nil
}
