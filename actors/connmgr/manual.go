package connmgr

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Manual connections (Config.Connect, Config.AddNode, AddNode) are kept up
// with a backoff between attempts.
const (
	// manualRetryMin is the wait after the first failure, or after a
	// connection that had completed its handshake ends.
	manualRetryMin = time.Second
	// manualRetryMax caps the wait, which doubles per failure.
	manualRetryMax = 2 * time.Minute
	// resolveTimeout bounds one host name lookup.
	resolveTimeout = 10 * time.Second
)

// manualState is where a manual node is in its cycle.
type manualState uint8

const (
	manualIdle      manualState = iota // waiting for next
	manualResolving                    // host name lookup running
	manualDialing                      // Dial sent
	manualConnected                    // a peer serves it
)

// manualNode is one node to keep connected (or to try once).
type manualNode struct {
	// key is its key in connMgr.manual: the name, or a unique key for onetry.
	key string
	// name is what the operator gave: "host:port", "ip:port", "ip", "host".
	name string
	// oneTry: dial once and forget it.
	oneTry bool
	// addrFetch: a -seednode, dialled as ConnAddrFetch (always oneTry).
	addrFetch bool
	state     manualState
	// addr is the address of the current attempt.
	addr netip.AddrPort
	// next is the earliest time of the next attempt.
	next time.Time
	// retry is the wait after the next failure.
	retry time.Duration
}

// failed schedules the next attempt after a failure and doubles the wait.
func (m *manualNode) failed(now time.Time) {
	m.state = manualIdle
	if m.retry == 0 {
		m.retry = manualRetryMin
	}
	m.next = now.Add(m.retry)
	m.retry = min(2*m.retry, manualRetryMax)
}

// parseNode splits a manual node name into an address, when it is an IP
// literal, or a host to resolve; the port defaults to defaultPort.
func parseNode(name string, defaultPort uint16) (ap netip.AddrPort, host string, port uint16, err error) {
	if ap, err := netip.ParseAddrPort(name); err == nil {
		return unmapped(ap), "", 0, nil
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), defaultPort), "", 0, nil
	}
	host, portStr, err := net.SplitHostPort(name)
	if err != nil {
		// No port: the whole name is the host.
		host, portStr = name, ""
	}
	port = defaultPort
	if portStr != "" {
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil || p == 0 {
			return ap, "", 0, fmt.Errorf("node %q: bad port %q", name, portStr)
		}
		port = uint16(p)
	}
	if host == "" {
		return ap, "", 0, fmt.Errorf("node %q: no host", name)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), port), "", 0, nil
	}
	return ap, host, port, nil
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// resolved reports a host name lookup for manual node key.
type resolved struct {
	key  string
	addr netip.AddrPort
	err  error
}

// resolve looks host up and returns its first address with port. It runs
// on a goroutine of its own.
func resolve(ctx context.Context, key, host string, port uint16) *resolved {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return &resolved{key: key, err: fmt.Errorf("resolve %s: %w", host, err)}
	}
	if len(ips) == 0 {
		return &resolved{key: key, err: fmt.Errorf("resolve %s: no addresses", host)}
	}
	return &resolved{key: key, addr: netip.AddrPortFrom(ips[0].Unmap(), port)}
}
