package protocol

// MsgGetAddr is the getaddr message. It asks the peer for addresses
// (Core answers once per connection, inbound only).
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgGetAddr struct{}

// Command returns "getaddr".
func (m *MsgGetAddr) Command() string { return CmdGetAddr }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgGetAddr) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgGetAddr) DecodePayload(_ []byte, _ uint32) error { return nil }
