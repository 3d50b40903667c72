package protocol

import "encoding/binary"

// MsgVersion is the version message, the first message each side sends. Its
// layout follows Core's PushNodeVersion; the fields after AddrRecv were added
// over time, so on receipt (as in Core's ProcessMessage) AddrFrom and Nonce,
// UserAgent (BIP14), StartHeight and Relay (BIP37) may each be absent, in
// that order. An absent Relay means true.
type MsgVersion struct {
	// ProtocolVersion is the highest version the sender speaks.
	ProtocolVersion int32
	// Services are the sender's service bits.
	Services ServiceFlag
	// Timestamp is the sender's clock, in Unix seconds.
	Timestamp int64
	// AddrRecv is the receiver's address as the sender sees it (no
	// timestamp on the wire).
	AddrRecv NetAddress
	// AddrFrom is the sender's own address; Core sends its services with an
	// empty address and ignores what it receives here.
	AddrFrom NetAddress
	// Nonce is a random value that detects a connection to ourselves.
	Nonce uint64
	// UserAgent (BIP14), for example "/Satoshi:27.0.0/"; at most
	// MaxUserAgentLength bytes on receipt.
	UserAgent string
	// StartHeight is the sender's best block height.
	StartHeight int32
	// Relay (BIP37) asks the receiver to announce transactions.
	Relay bool
}

// Command returns "version".
func (m *MsgVersion) Command() string { return CmdVersion }

// AppendPayload appends every field, Relay included (as Core has since
// 70001). Encoding does not enforce MaxUserAgentLength: keep to it.
func (m *MsgVersion) AppendPayload(dst []byte, _ uint32) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.ProtocolVersion))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(m.Services))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(m.Timestamp))
	dst = appendNetAddress(dst, &m.AddrRecv, false)
	dst = appendNetAddress(dst, &m.AddrFrom, false)
	dst = binary.LittleEndian.AppendUint64(dst, m.Nonce)
	dst = AppendCompactSize(dst, uint64(len(m.UserAgent)))
	dst = append(dst, m.UserAgent...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.StartHeight))
	relay := byte(0)
	if m.Relay {
		relay = 1
	}
	return append(dst, relay)
}

// DecodePayload decodes a version message. The first 46 bytes (version,
// services, timestamp, addr_recv) are required; then addr_from and nonce
// together, user agent, start height and relay are each optional, and relay
// defaults to true. A relay byte other than zero means true, as in Core.
func (m *MsgVersion) DecodePayload(b []byte, _ uint32) error {
	*m = MsgVersion{Relay: true}
	r := newReader(CmdVersion, b)
	m.ProtocolVersion = int32(r.u32("protocol_version"))
	m.Services = ServiceFlag(r.u64("services"))
	m.Timestamp = int64(r.u64("timestamp"))
	r.netAddress("addr_recv", &m.AddrRecv, false)
	if !r.empty() {
		r.netAddress("addr_from", &m.AddrFrom, false)
		m.Nonce = r.u64("nonce")
	}
	if !r.empty() {
		n := r.compactSize("user_agent")
		if r.err == nil && n > MaxUserAgentLength {
			r.fail("user_agent", &LimitError{Value: n, Max: MaxUserAgentLength, Err: ErrTooLarge})
		}
		if ua := r.take("user_agent", int(n)); ua != nil {
			m.UserAgent = string(ua)
		}
	}
	if !r.empty() {
		m.StartHeight = int32(r.u32("start_height"))
	}
	if !r.empty() {
		m.Relay = r.u8("relay") != 0
	}
	return r.finish()
}
