package machine

import "time"

// ReceivedPing feeds a ping carrying nonce, as Received does with a
// *protocol.MsgPing, but answers with a SendPong output instead of a
// *protocol.MsgPong value: the caller encodes the pong straight from the
// nonce, so the busiest message of the protocol costs no allocation. As in
// Core, a ping is answered only after the handshake and only to peers past
// BIP31.
func (m *Machine) ReceivedPing(now time.Time, nonce uint64, out []Output) []Output {
	if m.phase != PhaseReady || !m.answersPing() {
		return out
	}
	return append(out, Output{Kind: SendPong, Nonce: nonce})
}
