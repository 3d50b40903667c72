package machine

import "time"

// QueuePing sends a ping now rather than at the next ping interval, as
// Core's ping RPC does (fPingQueued): unless a ping is already outstanding
// or the handshake is not done, in which case nothing happens. The answer
// updates the ping times as any other.
func (m *Machine) QueuePing(now time.Time, out []Output) []Output {
	if m.phase != PhaseReady || m.pingNonce != 0 {
		return out
	}
	m.pingStart = 0
	return m.scheduleWake(m.maybePing(now, out))
}
