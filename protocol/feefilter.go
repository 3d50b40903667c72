package protocol

import "encoding/binary"

// MsgFeeFilter is the feefilter message (BIP133): do not announce
// transactions paying less than MinFee satoshis per 1000 virtual bytes.
type MsgFeeFilter struct {
	MinFee int64
}

// Command returns "feefilter".
func (m *MsgFeeFilter) Command() string { return CmdFeeFilter }

// AppendPayload appends MinFee.
func (m *MsgFeeFilter) AppendPayload(dst []byte, _ uint32) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(m.MinFee))
}

// DecodePayload reads MinFee. Any value decodes; Core ignores one outside
// the money range, which is the receiver's decision.
func (m *MsgFeeFilter) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdFeeFilter, b)
	m.MinFee = int64(r.u64("min_fee"))
	return r.finish()
}
