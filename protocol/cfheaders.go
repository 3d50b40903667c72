package protocol

// MsgCFHeaders is the cfheaders message (BIP157): the filter header before
// the range and the filter hash of each block in it.
type MsgCFHeaders struct {
	FilterType FilterType
	StopHash   Hash
	// PrevFilterHeader is the filter header of the block before the range.
	PrevFilterHeader Hash
	// FilterHashes are at most MaxCFHeadersPerMsg.
	FilterHashes []Hash
}

// Command returns "cfheaders".
func (m *MsgCFHeaders) Command() string { return CmdCFHeaders }

// AppendPayload appends the message. It does not enforce
// MaxCFHeadersPerMsg.
func (m *MsgCFHeaders) AppendPayload(dst []byte, _ uint32) []byte {
	dst = append(append(dst, byte(m.FilterType)), m.StopHash[:]...)
	dst = append(dst, m.PrevFilterHeader[:]...)
	return appendHashList(dst, m.FilterHashes)
}

// DecodePayload decodes the message; more than MaxCFHeadersPerMsg hashes
// wraps ErrTooMany (a reply can cover at most MaxGetCFHeadersSize blocks).
func (m *MsgCFHeaders) DecodePayload(b []byte, _ uint32) error {
	*m = MsgCFHeaders{}
	r := newReader(CmdCFHeaders, b)
	typ := r.u8("filter_type")
	stop := r.hash("stop_hash")
	prev := r.hash("prev_filter_header")
	hashes := r.hashList("filter_hashes_count", MaxCFHeadersPerMsg)
	if err := r.finish(); err != nil {
		return err
	}
	*m = MsgCFHeaders{FilterType: FilterType(typ), StopHash: stop, PrevFilterHeader: prev, FilterHashes: hashes}
	return nil
}
