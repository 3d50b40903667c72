package protocol

import "encoding/binary"

// MsgPong is the pong message (BIP31): the answer to a ping, echoing its
// nonce.
type MsgPong struct {
	Nonce uint64
}

// Command returns "pong".
func (m *MsgPong) Command() string { return CmdPong }

// AppendPayload appends the nonce.
func (m *MsgPong) AppendPayload(dst []byte, _ uint32) []byte {
	return binary.LittleEndian.AppendUint64(dst, m.Nonce)
}

// DecodePayload reads the nonce.
func (m *MsgPong) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdPong, b)
	m.Nonce = r.u64("nonce")
	return r.finish()
}
