package protocol

import "encoding/binary"

// MsgMerkleBlock is the merkleblock message (BIP37): a block header and a
// partial merkle tree proving which of its transactions matched the peer's
// filter (Core's CMerkleBlock and CPartialMerkleTree).
type MsgMerkleBlock struct {
	Header BlockHeader
	// Transactions is the number of transactions in the block.
	Transactions uint32
	// Hashes are the tree's hashes in depth-first order.
	Hashes []Hash
	// Flags are the traversal bits, packed least significant bit first.
	Flags []byte
}

// Command returns "merkleblock".
func (m *MsgMerkleBlock) Command() string { return CmdMerkleBlock }

// AppendPayload appends the message.
func (m *MsgMerkleBlock) AppendPayload(dst []byte, _ uint32) []byte {
	dst = appendBlockHeader(dst, &m.Header)
	dst = binary.LittleEndian.AppendUint32(dst, m.Transactions)
	dst = appendHashList(dst, m.Hashes)
	return appendVarBytes(dst, m.Flags)
}

// DecodePayload decodes the message. Core sets no limit of its own beyond
// MaxCompactSize; the counts are bounded by the input.
func (m *MsgMerkleBlock) DecodePayload(b []byte, _ uint32) error {
	*m = MsgMerkleBlock{}
	r := newReader(CmdMerkleBlock, b)
	hdr := r.take("header", BlockHeaderSize)
	total := r.u32("total_transactions")
	hashes := r.hashList("hash_count", MaxCompactSize)
	flags := r.varBytes("flags", MaxCompactSize)
	if err := r.finish(); err != nil {
		return err
	}
	parseBlockHeader(&m.Header, hdr)
	m.Transactions, m.Hashes, m.Flags = total, hashes, flags
	return nil
}
