package protocol

// MsgVerack is the verack message. It acknowledges the peer's version;
// the handshake is done once each side has received one.
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgVerack struct{}

// Command returns "verack".
func (m *MsgVerack) Command() string { return CmdVerack }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgVerack) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgVerack) DecodePayload(_ []byte, _ uint32) error { return nil }
