package protocol

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxHostLength bounds a host name, as DNS does (253 characters plus slack
// for a trailing dot).
const maxHostLength = 255

// SplitHostPort reads a peer as an operator writes it (-connect, -addnode,
// -seednode, the addnode RPC): "host", "host:port", "IPv4", "IPv4:port",
// "IPv6", "[IPv6]" or "[IPv6]:port". The port is split off as Core's
// SplitHostPort does: after the last colon, when that colon follows a
// bracketed address or is the only one (an unbracketed IPv6 address has no
// port); a given port must be 1..65535. port is 0 when none is given. The
// host must be an IP address or a host name of letters, digits, '-', '_'
// and '.', so that a typo (a space, a slash, a URL) fails here rather than
// as a lookup later. Both the configuration and the addnode RPC check peers
// with it, so each accepts what the other does.
func SplitHostPort(s string) (host string, port uint16, err error) {
	host = s
	colon := strings.LastIndexByte(s, ':')
	if colon >= 0 {
		bracketed := s[0] == '[' && colon > 0 && s[colon-1] == ']'
		single := strings.IndexByte(s[:colon], ':') < 0
		if colon == 0 || bracketed || single {
			p, perr := strconv.ParseUint(s[colon+1:], 10, 16)
			if perr != nil || p == 0 {
				return "", 0, fmt.Errorf("%q has a bad port %q (want 1..65535)", s, s[colon+1:])
			}
			host, port = s[:colon], uint16(p)
		}
	}
	bracketed := len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']'
	if bracketed {
		host = host[1 : len(host)-1]
	}
	switch {
	case host == "":
		return "", 0, fmt.Errorf("%q has no host", s)
	case bracketed || strings.IndexByte(host, ':') >= 0:
		if a, perr := netip.ParseAddr(host); perr != nil || !a.Is6() {
			return "", 0, fmt.Errorf("%q is not an IPv6 address", host)
		}
	case !validHostName(host):
		return "", 0, fmt.Errorf("%q is not HOST, HOST:PORT, IP, IP:PORT or [IPv6]:PORT", s)
	}
	return host, port, nil
}

// validHostName says whether h is made of the characters of a host name
// (or an IPv4 address) and not too long.
func validHostName(h string) bool {
	if len(h) > maxHostLength {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
