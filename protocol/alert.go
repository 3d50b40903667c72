package protocol

// MsgAlert is the retired alert message: a payload signed with the alert
// key. Core stopped acting on alerts in 0.13 and ignores the command; it is
// decoded here as two opaque byte strings for completeness.
type MsgAlert struct {
	// Payload is the serialized alert.
	Payload []byte
	// Signature is the signature of Payload.
	Signature []byte
}

// Command returns "alert".
func (m *MsgAlert) Command() string { return CmdAlert }

// AppendPayload appends the payload and the signature.
func (m *MsgAlert) AppendPayload(dst []byte, _ uint32) []byte {
	return appendVarBytes(appendVarBytes(dst, m.Payload), m.Signature)
}

// DecodePayload decodes the two byte strings.
func (m *MsgAlert) DecodePayload(b []byte, _ uint32) error {
	*m = MsgAlert{}
	r := newReader(CmdAlert, b)
	payload := r.varBytes("payload", MaxCompactSize)
	sig := r.varBytes("signature", MaxCompactSize)
	if err := r.finish(); err != nil {
		return err
	}
	m.Payload, m.Signature = payload, sig
	return nil
}
