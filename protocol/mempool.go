package protocol

// MsgMempool is the mempool message (BIP35): asks for an inv of the
// transactions in the peer's mempool (Core answers only peers with the
// mempool permission or a bloom filter, BIP37/BIP111).
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgMempool struct{}

// Command returns "mempool".
func (m *MsgMempool) Command() string { return CmdMempool }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgMempool) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgMempool) DecodePayload(_ []byte, _ uint32) error { return nil }
