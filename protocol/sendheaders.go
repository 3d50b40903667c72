package protocol

// MsgSendHeaders is the sendheaders message. It asks (BIP130) for new blocks
// to be announced with headers instead of inv.
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgSendHeaders struct{}

// Command returns "sendheaders".
func (m *MsgSendHeaders) Command() string { return CmdSendHeaders }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgSendHeaders) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgSendHeaders) DecodePayload(_ []byte, _ uint32) error { return nil }
