package protocol

// MsgFilterAdd is the filteradd message (BIP37): one element to add to the
// loaded bloom filter.
type MsgFilterAdd struct {
	// Data is the element, at most MaxFilterAddDataSize bytes.
	Data []byte
}

// Command returns "filteradd".
func (m *MsgFilterAdd) Command() string { return CmdFilterAdd }

// AppendPayload appends the element. It does not enforce the limit.
func (m *MsgFilterAdd) AppendPayload(dst []byte, _ uint32) []byte {
	return appendVarBytes(dst, m.Data)
}

// DecodePayload decodes the element; one over MaxFilterAddDataSize bytes
// wraps ErrTooLarge (Core: Misbehaving "bad filteradd message").
func (m *MsgFilterAdd) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdFilterAdd, b)
	m.Data = r.varBytes("data", MaxFilterAddDataSize)
	return r.finish()
}
