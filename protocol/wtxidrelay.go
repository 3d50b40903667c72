package protocol

// MsgWtxidRelay is the wtxidrelay message. It announces (BIP339) that the sender
// relays transactions by wtxid; it must come between version and verack.
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgWtxidRelay struct{}

// Command returns "wtxidrelay".
func (m *MsgWtxidRelay) Command() string { return CmdWtxidRelay }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgWtxidRelay) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgWtxidRelay) DecodePayload(_ []byte, _ uint32) error { return nil }
