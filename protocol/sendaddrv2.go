package protocol

// MsgSendAddrV2 is the sendaddrv2 message. It announces (BIP155) that the sender
// wants addresses as addrv2; it must come between version and verack.
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgSendAddrV2 struct{}

// Command returns "sendaddrv2".
func (m *MsgSendAddrV2) Command() string { return CmdSendAddrV2 }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgSendAddrV2) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgSendAddrV2) DecodePayload(_ []byte, _ uint32) error { return nil }
