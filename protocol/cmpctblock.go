package protocol

import (
	"crypto/sha256"
	"encoding/binary"
)

// ShortIDSize is the wire size of a BIP152 short transaction id.
const ShortIDSize = 6

// maxBlockTxIndex is the largest transaction index a compact block or
// getblocktxn can name: Core keeps them in uint16.
const maxBlockTxIndex = 0xffff

// PrefilledTx is a transaction sent whole inside a compact block (BIP152),
// usually the coinbase.
type PrefilledTx struct {
	// Index is the transaction's position in the block. On the wire it is
	// the difference from the previous prefilled index plus one; here it is
	// absolute, and must increase from one PrefilledTx to the next.
	Index uint16
	// Tx is the transaction, with witness.
	Tx MsgTx
}

// MsgCmpctBlock is the cmpctblock message (BIP152 HeaderAndShortIDs): a
// header, the nonce keying the short ids, a 48-bit short id for each
// transaction the receiver is expected to have, and the others in full.
type MsgCmpctBlock struct {
	Header BlockHeader
	// Nonce keys the short ids together with the header.
	Nonce uint64
	// ShortIDs are 48-bit values (ShortIDMask); the top 16 bits are not
	// sent.
	ShortIDs []uint64
	// PrefilledTxs are in increasing Index order.
	PrefilledTxs []PrefilledTx
}

// Command returns "cmpctblock".
func (m *MsgCmpctBlock) Command() string { return CmdCmpctBlock }

// BlockHash returns the block's hash.
func (m *MsgCmpctBlock) BlockHash() Hash { return m.Header.BlockHash() }

// BlockTxCount returns the number of transactions in the block.
func (m *MsgCmpctBlock) BlockTxCount() int { return len(m.ShortIDs) + len(m.PrefilledTxs) }

// ShortIDKeys returns the SipHash keys of the block's short ids: the first
// two little-endian uint64s of the single SHA-256 of the header and the
// nonce (BIP152; Core's FillShortTxIDSelector).
func (m *MsgCmpctBlock) ShortIDKeys() (k0, k1 uint64) {
	var buf [BlockHeaderSize + 8]byte
	b := binary.LittleEndian.AppendUint64(appendBlockHeader(buf[:0], &m.Header), m.Nonce)
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[0:]), binary.LittleEndian.Uint64(sum[8:])
}

// ShortID returns the short id of the transaction with this wtxid in this
// compact block.
func (m *MsgCmpctBlock) ShortID(wtxid Hash) uint64 {
	k0, k1 := m.ShortIDKeys()
	return ShortTxID(k0, k1, wtxid)
}

// AppendPayload appends the message, prefilled indexes as differences.
func (m *MsgCmpctBlock) AppendPayload(dst []byte, _ uint32) []byte {
	dst = appendBlockHeader(dst, &m.Header)
	dst = binary.LittleEndian.AppendUint64(dst, m.Nonce)
	dst = AppendCompactSize(dst, uint64(len(m.ShortIDs)))
	for _, id := range m.ShortIDs {
		dst = append(dst, byte(id), byte(id>>8), byte(id>>16), byte(id>>24), byte(id>>32), byte(id>>40))
	}
	dst = AppendCompactSize(dst, uint64(len(m.PrefilledTxs)))
	next := uint64(0)
	for i := range m.PrefilledTxs {
		p := &m.PrefilledTxs[i]
		dst = AppendCompactSize(dst, uint64(p.Index)-next)
		next = uint64(p.Index) + 1
		dst = p.Tx.AppendPayload(dst, 0)
	}
	return dst
}

// DecodePayload decodes the message as Core reads CBlockHeaderAndShortTxIDs
// and then checks it in PartiallyDownloadedBlock::InitData: a differential
// index over 65535, an absolute one past 65535, or more than 65535
// transactions in all wraps ErrIndexOverflow.
func (m *MsgCmpctBlock) DecodePayload(b []byte, _ uint32) error {
	*m = MsgCmpctBlock{}
	r := newReader(CmdCmpctBlock, b)
	hdr := r.take("header", BlockHeaderSize)
	nonce := r.u64("nonce")
	nIDs := r.count("shortids_count", MaxCompactSize, ShortIDSize)
	if r.err == nil && nIDs > maxBlockTxIndex {
		r.fail("shortids_count", ErrIndexOverflow)
	}
	var ids []uint64
	if r.err == nil && nIDs > 0 {
		ids = make([]uint64, nIDs)
		p := r.b
		for i := range ids {
			ids[i] = uint64(binary.LittleEndian.Uint32(p)) | uint64(binary.LittleEndian.Uint16(p[4:]))<<32
			p = p[ShortIDSize:]
		}
		r.b = p
	}
	nPre := r.count("prefilledtxn_count", MaxCompactSize, 1+minTxSize)
	if r.err == nil && nIDs+nPre > maxBlockTxIndex {
		r.fail("prefilledtxn_count", ErrIndexOverflow)
	}
	// First pass: check every index and transaction, counting entries.
	start := r.b
	next := uint64(0)
	var c txCounts
	for i := 0; i < nPre && r.err == nil; i++ {
		r.enterOuter("prefilledtxn", i)
		d := r.compactSize("index")
		if r.err == nil && (d > maxBlockTxIndex || next+d > maxBlockTxIndex) {
			r.fail("index", ErrIndexOverflow)
		}
		next += d + 1
		r.scanTx(&c)
	}
	r.leaveOuter()
	if err := r.finish(); err != nil {
		return err
	}
	parseBlockHeader(&m.Header, hdr)
	m.Nonce, m.ShortIDs = nonce, ids
	if nPre == 0 {
		return nil
	}
	// Second pass: fill all the transactions from one copy into shared
	// slabs, as a block's are, so many tiny prefilled transactions cost no
	// more than their bytes.
	data := append([]byte(nil), start[:len(start)-len(r.b)]...)
	slabs := newTxSlabs(c)
	m.PrefilledTxs = make([]PrefilledTx, nPre)
	next = 0
	for i := range m.PrefilledTxs {
		var d uint64
		d, data = uncheckedCompactSize(data)
		m.PrefilledTxs[i].Index = uint16(next + d)
		next += d + 1
		data = slabs.fill(data, &m.PrefilledTxs[i].Tx)
	}
	return nil
}
