package protocol

// MsgCFilter is the cfilter message (BIP157): one block's compact filter.
type MsgCFilter struct {
	FilterType FilterType
	BlockHash  Hash
	// Filter is the serialized BIP158 filter. No limit beyond the payload
	// size applies (BIP157 sets none).
	Filter []byte
}

// Command returns "cfilter".
func (m *MsgCFilter) Command() string { return CmdCFilter }

// AppendPayload appends the message.
func (m *MsgCFilter) AppendPayload(dst []byte, _ uint32) []byte {
	dst = append(append(dst, byte(m.FilterType)), m.BlockHash[:]...)
	return appendVarBytes(dst, m.Filter)
}

// DecodePayload decodes the message.
func (m *MsgCFilter) DecodePayload(b []byte, _ uint32) error {
	*m = MsgCFilter{}
	r := newReader(CmdCFilter, b)
	typ := r.u8("filter_type")
	h := r.hash("block_hash")
	filter := r.varBytes("filter", MaxCompactSize)
	if err := r.finish(); err != nil {
		return err
	}
	*m = MsgCFilter{FilterType: FilterType(typ), BlockHash: h, Filter: filter}
	return nil
}
