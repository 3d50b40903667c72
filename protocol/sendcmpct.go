package protocol

import "encoding/binary"

// CmpctBlocksVersion is the compact block version with witnesses (BIP152
// version 2), the only one Core supports (CMPCTBLOCKS_VERSION): a
// sendcmpct of another version is ignored.
const CmpctBlocksVersion = 2

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

// DecodePayload reads the announce flag and the version. An announce byte
// other than 0 or 1 is refused with ErrBadAnnounce once the whole payload
// is read (BIP152 says it MUST be one of them; Core reads both fields,
// then calls the peer Misbehaving for it).
func (m *MsgSendCmpct) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdSendCmpct, b)
	announce := r.u8("announce")
	m.Announce = announce != 0
	m.Version = r.u64("version")
	if announce > 1 {
		r.fail("announce", ErrBadAnnounce)
	}
	return r.finish()
}
