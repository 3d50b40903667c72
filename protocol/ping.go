package protocol

import "encoding/binary"

// MsgPing is the ping message, a liveness check. Since BIP31 (versions above
// BIP0031Version) it carries a nonce the pong must echo; before, it was
// empty.
type MsgPing struct {
	Nonce uint64
}

// Command returns "ping".
func (m *MsgPing) Command() string { return CmdPing }

// AppendPayload appends the nonce, or nothing for a peer at or below
// BIP0031Version.
func (m *MsgPing) AppendPayload(dst []byte, pver uint32) []byte {
	if pver <= BIP0031Version {
		return dst
	}
	return binary.LittleEndian.AppendUint64(dst, m.Nonce)
}

// DecodePayload reads the nonce when pver is above BIP0031Version.
func (m *MsgPing) DecodePayload(b []byte, pver uint32) error {
	*m = MsgPing{}
	if pver <= BIP0031Version {
		return nil
	}
	r := newReader(CmdPing, b)
	m.Nonce = r.u64("nonce")
	return r.finish()
}
