package protocol

// MsgCFCheckpt is the cfcheckpt message (BIP157): the filter header at
// every 1000th block up to StopHash.
type MsgCFCheckpt struct {
	FilterType FilterType
	StopHash   Hash
	// FilterHeaders grow with the chain; no limit beyond the payload size
	// applies (BIP157 sets none).
	FilterHeaders []Hash
}

// Command returns "cfcheckpt".
func (m *MsgCFCheckpt) Command() string { return CmdCFCheckpt }

// AppendPayload appends the message.
func (m *MsgCFCheckpt) AppendPayload(dst []byte, _ uint32) []byte {
	dst = append(append(dst, byte(m.FilterType)), m.StopHash[:]...)
	return appendHashList(dst, m.FilterHeaders)
}

// DecodePayload decodes the message.
func (m *MsgCFCheckpt) DecodePayload(b []byte, _ uint32) error {
	*m = MsgCFCheckpt{}
	r := newReader(CmdCFCheckpt, b)
	typ := r.u8("filter_type")
	stop := r.hash("stop_hash")
	headers := r.hashList("filter_headers_count", MaxCompactSize)
	if err := r.finish(); err != nil {
		return err
	}
	*m = MsgCFCheckpt{FilterType: FilterType(typ), StopHash: stop, FilterHeaders: headers}
	return nil
}
