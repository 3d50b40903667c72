package protocol

// MsgBlock is the block message: a header and its transactions. A decoded
// block's transactions, inputs, outputs and witness stacks each sit in one
// array, and every script and witness item points into one copy of the
// transaction bytes, so a block of any size decodes in five allocations;
// keeping any script keeps that copy alive.
type MsgBlock struct {
	Header       BlockHeader
	Transactions []MsgTx
}

// Command returns "block".
func (m *MsgBlock) Command() string { return CmdBlock }

// BlockHash returns the block's hash, the double SHA-256 of its header.
func (m *MsgBlock) BlockHash() Hash { return m.Header.BlockHash() }

// AppendPayload appends the header, the transaction count and each
// transaction with its witness data (BIP144), as Core sends a block to a
// peer that asked for witnesses (MSG_WITNESS_BLOCK).
func (m *MsgBlock) AppendPayload(dst []byte, _ uint32) []byte { return m.appendBlock(dst, true) }

// AppendStripped appends the block without witness data (MSG_BLOCK to a
// peer that did not ask for witnesses).
func (m *MsgBlock) AppendStripped(dst []byte) []byte { return m.appendBlock(dst, false) }

func (m *MsgBlock) appendBlock(dst []byte, witness bool) []byte {
	dst = appendBlockHeader(dst, &m.Header)
	dst = AppendCompactSize(dst, uint64(len(m.Transactions)))
	for i := range m.Transactions {
		dst = m.Transactions[i].appendTx(dst, witness)
	}
	return dst
}

// SerializeSize returns the length of AppendPayload's output.
func (m *MsgBlock) SerializeSize() int {
	n := BlockHeaderSize + CompactSizeLen(uint64(len(m.Transactions)))
	for i := range m.Transactions {
		n += m.Transactions[i].SerializeSize()
	}
	return n
}

// TxHashes returns the id of every transaction, in block order: the leaves
// of the header's merkle root.
func (m *MsgBlock) TxHashes() []Hash {
	out := make([]Hash, len(m.Transactions))
	for i := range m.Transactions {
		out[i] = m.Transactions[i].TxHash()
	}
	return out
}

// DecodePayload decodes the header and the transactions (each as
// MsgTx.DecodePayload would). The transaction count is bounded by the input
// left at ten bytes a transaction before anything is allocated.
func (m *MsgBlock) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdBlock, b)
	hdr := r.take("header", BlockHeaderSize)
	txs, err := r.txList("tx_count")
	if err != nil {
		*m = MsgBlock{}
		return err
	}
	parseBlockHeader(&m.Header, hdr)
	m.Transactions = txs
	return nil
}

// txList reads a CompactSize count and that many transactions, scanning
// them all before allocating one array per entry kind.
func (r *reader) txList(field string) ([]MsgTx, error) {
	n := r.count(field, MaxCompactSize, minTxSize)
	start := r.b
	var c txCounts
	for i := 0; i < n && r.err == nil; i++ {
		r.enterOuter("tx", i)
		r.scanTx(&c)
	}
	r.leaveOuter()
	if err := r.finish(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	data := append([]byte(nil), start[:len(start)-len(r.b)]...)
	return fillTxs(data, n, c), nil
}
