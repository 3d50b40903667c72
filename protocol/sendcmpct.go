package protocol

import "encoding/binary"

// MsgSendCmpct is the sendcmpct message (BIP152): the sender supports compact
// blocks of Version, and with Announce set wants new blocks announced as
// cmpctblock (high-bandwidth mode).
type MsgSendCmpct struct {
	Announce bool
	Version  uint64
}

// Command returns "sendcmpct".
func (m *MsgSendCmpct) Command() string { return CmdSendCmpct }

// AppendPayload appends the announce flag and the version.
func (m *MsgSendCmpct) AppendPayload(dst []byte, _ uint32) []byte {
	announce := byte(0)
	if m.Announce {
		announce = 1
	}
	return binary.LittleEndian.AppendUint64(append(dst, announce), m.Version)
}

// DecodePayload reads the announce flag (any non-zero byte is true, as in
// Core) and the version.
func (m *MsgSendCmpct) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdSendCmpct, b)
	m.Announce = r.u8("announce") != 0
	m.Version = r.u64("version")
	return r.finish()
}
