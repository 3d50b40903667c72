package protocol

import "encoding/binary"

// FilterType is a BIP158 compact filter type.
type FilterType uint8

// FilterTypeBasic is the basic filter of BIP158, the only type defined.
const FilterTypeBasic FilterType = 0

// MsgGetCFilters is the getcfilters message (BIP157): asks for the filters
// of the blocks from StartHeight to StopHash, at most MaxGetCFiltersSize of
// them (checked by the receiver against its chain).
type MsgGetCFilters struct {
	FilterType  FilterType
	StartHeight uint32
	StopHash    Hash
}

// Command returns "getcfilters".
func (m *MsgGetCFilters) Command() string { return CmdGetCFilters }

// AppendPayload appends the message.
func (m *MsgGetCFilters) AppendPayload(dst []byte, _ uint32) []byte {
	return appendFilterRange(dst, m.FilterType, m.StartHeight, &m.StopHash)
}

// DecodePayload decodes the message.
func (m *MsgGetCFilters) DecodePayload(b []byte, _ uint32) (err error) {
	m.FilterType, m.StartHeight, m.StopHash, err = decodeFilterRange(CmdGetCFilters, b)
	return err
}

// appendFilterRange appends the layout getcfilters and getcfheaders share.
func appendFilterRange(dst []byte, typ FilterType, start uint32, stop *Hash) []byte {
	dst = binary.LittleEndian.AppendUint32(append(dst, byte(typ)), start)
	return append(dst, stop[:]...)
}

// decodeFilterRange decodes the layout getcfilters and getcfheaders share;
// on error every result is zero.
func decodeFilterRange(cmd string, b []byte) (FilterType, uint32, Hash, error) {
	r := newReader(cmd, b)
	typ := r.u8("filter_type")
	start := r.u32("start_height")
	stop := r.hash("stop_hash")
	if err := r.finish(); err != nil {
		return 0, 0, Hash{}, err
	}
	return FilterType(typ), start, stop, nil
}
