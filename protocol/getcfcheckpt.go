package protocol

// MsgGetCFCheckpt is the getcfcheckpt message (BIP157): asks for the filter
// headers at every 1000th block up to StopHash.
type MsgGetCFCheckpt struct {
	FilterType FilterType
	StopHash   Hash
}

// Command returns "getcfcheckpt".
func (m *MsgGetCFCheckpt) Command() string { return CmdGetCFCheckpt }

// AppendPayload appends the message.
func (m *MsgGetCFCheckpt) AppendPayload(dst []byte, _ uint32) []byte {
	return append(append(dst, byte(m.FilterType)), m.StopHash[:]...)
}

// DecodePayload decodes the message.
func (m *MsgGetCFCheckpt) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdGetCFCheckpt, b)
	typ := r.u8("filter_type")
	stop := r.hash("stop_hash")
	if err := r.finish(); err != nil {
		*m = MsgGetCFCheckpt{}
		return err
	}
	*m = MsgGetCFCheckpt{FilterType: FilterType(typ), StopHash: stop}
	return nil
}
