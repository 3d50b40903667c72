package protocol

// MsgGetCFHeaders is the getcfheaders message (BIP157): asks for the filter
// header before StartHeight and the filter hashes up to StopHash, at most
// MaxGetCFHeadersSize of them (checked by the receiver against its chain).
type MsgGetCFHeaders struct {
	FilterType  FilterType
	StartHeight uint32
	StopHash    Hash
}

// Command returns "getcfheaders".
func (m *MsgGetCFHeaders) Command() string { return CmdGetCFHeaders }

// AppendPayload appends the message.
func (m *MsgGetCFHeaders) AppendPayload(dst []byte, _ uint32) []byte {
	return appendFilterRange(dst, m.FilterType, m.StartHeight, &m.StopHash)
}

// DecodePayload decodes the message.
func (m *MsgGetCFHeaders) DecodePayload(b []byte, _ uint32) (err error) {
	m.FilterType, m.StartHeight, m.StopHash, err = decodeFilterRange(CmdGetCFHeaders, b)
	return err
}
