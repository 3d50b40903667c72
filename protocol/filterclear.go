package protocol

// MsgFilterClear is the filterclear message (BIP37): drop the bloom filter
// and relay every transaction again.
// Its payload is empty; any bytes sent are ignored, as Core does.
type MsgFilterClear struct{}

// Command returns "filterclear".
func (m *MsgFilterClear) Command() string { return CmdFilterClear }

// AppendPayload appends nothing: the payload is empty.
func (m *MsgFilterClear) AppendPayload(dst []byte, _ uint32) []byte { return dst }

// DecodePayload accepts any payload and ignores it.
func (m *MsgFilterClear) DecodePayload(_ []byte, _ uint32) error { return nil }
