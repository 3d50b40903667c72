package protocol

// RejectCode is a BIP61 reject code.
type RejectCode uint8

// BIP61 reject codes.
const (
	RejectMalformed       RejectCode = 0x01
	RejectInvalid         RejectCode = 0x10
	RejectObsolete        RejectCode = 0x11
	RejectDuplicate       RejectCode = 0x12
	RejectNonstandard     RejectCode = 0x40
	RejectDust            RejectCode = 0x41
	RejectInsufficientFee RejectCode = 0x42
	RejectCheckpoint      RejectCode = 0x43
)

// MsgReject is the reject message (BIP61), which Core stopped sending in
// 0.18 and stopped reading in 0.20; old nodes still send it. Decode it to
// log it; there is no reason to send one.
type MsgReject struct {
	// Cmd is the command of the rejected message, at most CommandSize
	// bytes.
	Cmd string
	// Code says why.
	Code RejectCode
	// Reason is a human-readable reason, at most MaxRejectMessageLength
	// bytes.
	Reason string
	// Hash is the rejected transaction or block; on the wire only when Cmd
	// is tx or block.
	Hash Hash
}

// Command returns "reject".
func (m *MsgReject) Command() string { return CmdReject }

// AppendPayload appends the message, with Hash only when Cmd is tx or
// block. It exists for tests; nothing should send reject.
func (m *MsgReject) AppendPayload(dst []byte, _ uint32) []byte {
	dst = appendVarBytes(dst, []byte(m.Cmd))
	dst = append(dst, byte(m.Code))
	dst = appendVarBytes(dst, []byte(m.Reason))
	if m.Cmd == CmdTx || m.Cmd == CmdBlock {
		dst = append(dst, m.Hash[:]...)
	}
	return dst
}

// DecodePayload decodes the message as Core did before 0.20: the command
// limited to CommandSize bytes, the reason to MaxRejectMessageLength, and a
// hash required after a tx or block rejection.
func (m *MsgReject) DecodePayload(b []byte, _ uint32) error {
	*m = MsgReject{}
	r := newReader(CmdReject, b)
	cmd := r.varString("message", CommandSize)
	code := r.u8("ccode")
	reason := r.varString("reason", MaxRejectMessageLength)
	var h Hash
	if cmd == CmdTx || cmd == CmdBlock {
		h = r.hash("hash")
	}
	if err := r.finish(); err != nil {
		return err
	}
	*m = MsgReject{Cmd: cmd, Code: RejectCode(code), Reason: reason, Hash: h}
	return nil
}
