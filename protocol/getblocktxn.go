package protocol

// MsgGetBlockTxn is the getblocktxn message (BIP152
// BlockTransactionsRequest): asks for the transactions of a compact block
// the receiver could not rebuild.
type MsgGetBlockTxn struct {
	BlockHash Hash
	// Indexes are the transactions' positions in the block, strictly
	// increasing. On the wire each is the difference from the previous one
	// plus one.
	Indexes []uint16
}

// Command returns "getblocktxn".
func (m *MsgGetBlockTxn) Command() string { return CmdGetBlockTxn }

// AppendPayload appends the message, indexes as differences.
func (m *MsgGetBlockTxn) AppendPayload(dst []byte, _ uint32) []byte {
	dst = append(dst, m.BlockHash[:]...)
	dst = AppendCompactSize(dst, uint64(len(m.Indexes)))
	next := uint64(0)
	for _, idx := range m.Indexes {
		dst = AppendCompactSize(dst, uint64(idx)-next)
		next = uint64(idx) + 1
	}
	return dst
}

// DecodePayload decodes the message. An index past 65535 wraps
// ErrIndexOverflow (Core's DifferenceFormatter: "differential value
// overflow"); so does a count above 65536, which must overflow.
func (m *MsgGetBlockTxn) DecodePayload(b []byte, _ uint32) error {
	*m = MsgGetBlockTxn{}
	r := newReader(CmdGetBlockTxn, b)
	h := r.hash("block_hash")
	n := r.count("indexes_count", MaxCompactSize, 1)
	if r.err == nil && n > maxBlockTxIndex+1 {
		r.fail("indexes_count", ErrIndexOverflow)
	}
	var idx []uint16
	if r.err == nil && n > 0 {
		idx = make([]uint16, n)
	}
	next := uint64(0)
	for i := 0; i < n && r.err == nil; i++ {
		r.enter("index", i)
		d := r.compactSize("difference")
		if r.err == nil && next+d > maxBlockTxIndex {
			r.fail("difference", ErrIndexOverflow)
		}
		idx[i] = uint16(next + d)
		next += d + 1
	}
	r.leave()
	if err := r.finish(); err != nil {
		return err
	}
	m.BlockHash, m.Indexes = h, idx
	return nil
}
