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

// pongSize is the payload size of a BIP31 pong: its nonce.
const pongSize = 8

// pongCommand is "pong" padded with NULs to the header's command field.
const pongCommand = CmdPong + "\x00\x00\x00\x00\x00\x00\x00\x00"

// AppendPong appends a complete pong frame carrying nonce to dst and
// returns the extended slice: the frame AppendFrame makes for
// &MsgPong{Nonce: nonce}, built without a message value, for the ping
// fast path of every sender. A pong's payload is its ping's nonce, so its
// checksum is the ping's: pass the checksum field of the ping's header,
// once verified against its payload (as transport.Frame.Checksum is), as
// pingSum and no hashing is done. A zero pingSum (what a frame built by
// hand carries) means the checksum is computed. It does not allocate
// beyond dst's growth.
func AppendPong(dst []byte, magic uint32, nonce uint64, pingSum [4]byte) []byte {
	if pingSum == ([4]byte{}) {
		var payload [pongSize]byte
		binary.LittleEndian.PutUint64(payload[:], nonce)
		pingSum = Checksum(payload[:])
	}
	dst = binary.LittleEndian.AppendUint32(dst, magic)
	dst = append(dst, pongCommand[:CommandSize]...)
	dst = binary.LittleEndian.AppendUint32(dst, pongSize)
	dst = append(dst, pingSum[:]...)
	return binary.LittleEndian.AppendUint64(dst, nonce)
}
