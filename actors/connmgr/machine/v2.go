package machine

import (
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// maxV1Only bounds the addresses remembered as v1 only (see ClosedRetryV1):
// past it the oldest half is forgotten, and those are tried with v2 again.
const maxV1Only = 4096

// useV2 says whether to dial addr with BIP324's v2 transport first, as
// Core decides: only when we announce NODE_P2P_V2 (Config.V2); then
// always for manual and addr-fetch connections (a v1 peer costs a
// reconnection), for automatic ones when the address book says the peer
// advertises NODE_P2P_V2. An address that already fell back to v1 is
// dialled v1.
func (m *Machine) useV2(addr netip.AddrPort, connType, manual string, services protocol.ServiceFlag) bool {
	if !m.cfg.V2 {
		return false
	}
	if n := m.manual[manual]; manual != "" && n != nil && n.v1 {
		return false
	}
	if _, ok := m.v1Only[addr]; ok {
		return false
	}
	switch connType {
	case ConnManual, ConnAddrFetch:
		return true
	}
	return services&protocol.SFNodeP2PV2 != 0
}

// rememberV1 notes that addr speaks v1 only.
func (m *Machine) rememberV1(addr netip.AddrPort, now time.Time) {
	if m.v1Only == nil {
		m.v1Only = make(map[netip.AddrPort]time.Time)
	}
	if len(m.v1Only) >= maxV1Only {
		var times []time.Time
		for _, t := range m.v1Only {
			times = append(times, t)
		}
		// Forget those older than the median.
		median := quickMedian(times)
		for a, t := range m.v1Only {
			if !t.After(median) {
				delete(m.v1Only, a)
			}
		}
	}
	m.v1Only[addr] = now
}

// quickMedian returns a median of ts (any middle element).
func quickMedian(ts []time.Time) time.Time {
	var lo, hi time.Time
	for i, t := range ts {
		if i == 0 || t.Before(lo) {
			lo = t
		}
		if i == 0 || t.After(hi) {
			hi = t
		}
	}
	return lo.Add(hi.Sub(lo) / 2)
}

// ClosedRetryV1 is Closed for a connection that io reports Core would retry
// with v1 (transport.Closed.ReconnectV1: our v2 dial ended before the peer
// sent a byte, as a v1 node hangs up on our key). As Core's
// ShouldReconnectV1 handling in DisconnectNodes does, the same address is
// dialled again at once, with the same connection type, over v1; unlike
// Core, the machine also remembers the address as v1 only, so later dials
// to it skip the v2 attempt.
func (m *Machine) ClosedRetryV1(now time.Time, conn ConnID, reason error, out []Action) []Action {
	p := m.byConn[conn]
	if p == nil {
		if cp, ok := m.closing[conn]; ok {
			p = cp.peer
		}
	}
	out = m.Closed(now, conn, reason, out)
	if p == nil || p.inbound || !p.v2 || m.stopped {
		return out
	}
	m.rememberV1(p.remote, now)
	out = note(out, LevelDebug, "retrying with v1 transport protocol", fAddr(p.remote), fConnType(p.connType))
	if n := m.manual[p.manual]; n != nil && p.manual != "" {
		return m.dialManual(now, n, p.remote, out)
	}
	if m.busy(p.remote) {
		return out
	}
	return m.dial(p.remote, p.connType, "", 0, out)
}
