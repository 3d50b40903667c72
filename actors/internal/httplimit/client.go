package httplimit

import "net/netip"

// ClientAllowed reports whether a client at remote (an http.Request's
// RemoteAddr, "ip:port") may use a server: loopback always, else when an
// allowed network holds its address (Core's -rpcallowip rule, which the
// debug endpoint's -debugallowip follows too).
func ClientAllowed(remote string, allow []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() {
		return true
	}
	for _, p := range allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
