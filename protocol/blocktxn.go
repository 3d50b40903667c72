package protocol

// MsgBlockTxn is the blocktxn message (BIP152 BlockTransactions): the
// transactions a getblocktxn asked for, in its order, with witness.
type MsgBlockTxn struct {
	BlockHash    Hash
	Transactions []MsgTx
}

// Command returns "blocktxn".
func (m *MsgBlockTxn) Command() string { return CmdBlockTxn }

// AppendPayload appends the block hash and the transactions with witness.
func (m *MsgBlockTxn) AppendPayload(dst []byte, _ uint32) []byte {
	dst = append(dst, m.BlockHash[:]...)
	dst = AppendCompactSize(dst, uint64(len(m.Transactions)))
	for i := range m.Transactions {
		dst = m.Transactions[i].appendTx(dst, true)
	}
	return dst
}

// DecodePayload decodes the message; the transactions decode as in a block.
func (m *MsgBlockTxn) DecodePayload(b []byte, _ uint32) error {
	*m = MsgBlockTxn{}
	r := newReader(CmdBlockTxn, b)
	h := r.hash("block_hash")
	txs, err := r.txList("txn_count")
	if err != nil {
		return err
	}
	m.BlockHash, m.Transactions = h, txs
	return nil
}
