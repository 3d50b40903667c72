package protocol

import "encoding/binary"

// Smallest wire sizes, used to check a count against the input left before
// allocating for it.
const (
	// minTxSize is the smallest transaction: version, a zero input count,
	// a zero flag byte (Core then reads no outputs) and lock time.
	minTxSize = 4 + 1 + 1 + 4
	// minTxInSize is an input with an empty script: outpoint, script
	// length, sequence.
	minTxInSize = HashSize + 4 + 1 + 4
	// minTxOutSize is an output with an empty script: value, script length.
	minTxOutSize = 8 + 1
	// witnessFlag is the flag byte's only defined bit (BIP144).
	witnessFlag = 0x01
)

// OutPoint names a transaction output: the transaction's id and the
// output's index in it.
type OutPoint struct {
	Hash  Hash
	Index uint32
}

// TxIn is a transaction input.
type TxIn struct {
	// PreviousOutPoint is the output this input spends.
	PreviousOutPoint OutPoint
	// SignatureScript is the input script (scriptSig); nil when empty.
	SignatureScript []byte
	// Witness is the input's witness stack (BIP141), nil when empty. An
	// item may be empty (nil).
	Witness [][]byte
	// Sequence is the input's sequence number (BIP68 relative lock time).
	Sequence uint32
}

// TxOut is a transaction output.
type TxOut struct {
	// Value is the amount in satoshis.
	Value int64
	// PkScript is the output script (scriptPubKey); nil when empty.
	PkScript []byte
}

// MsgTx is the tx message: one transaction, with or without witness data
// (BIP144). A decoded MsgTx's scripts and witness items share one copy of the
// input, so keeping one script keeps the whole transaction's bytes alive.
type MsgTx struct {
	Version  int32
	TxIn     []TxIn
	TxOut    []TxOut
	LockTime uint32
}

// Command returns "tx".
func (m *MsgTx) Command() string { return CmdTx }

// HasWitness reports whether any input has a witness stack, in which case
// AppendPayload uses the BIP144 serialization (Core's HasWitness).
func (m *MsgTx) HasWitness() bool {
	for i := range m.TxIn {
		if len(m.TxIn[i].Witness) != 0 {
			return true
		}
	}
	return false
}

// AppendPayload appends the transaction as Core sends it to a peer that
// asked for witnesses: the BIP144 serialization (marker, flag, witnesses)
// when HasWitness, else the original one. A transaction with no inputs but
// some outputs cannot be told from the BIP144 marker on decoding (as in
// Core); do not build one.
func (m *MsgTx) AppendPayload(dst []byte, _ uint32) []byte { return m.appendTx(dst, true) }

// AppendStripped appends the transaction without witness data: the form
// its txid hashes and the form for a peer that did not ask for witnesses.
func (m *MsgTx) AppendStripped(dst []byte) []byte { return m.appendTx(dst, false) }

// appendTx appends the transaction, with witness data when witness is set
// and there is any.
func (m *MsgTx) appendTx(dst []byte, witness bool) []byte {
	witness = witness && m.HasWitness()
	dst = binary.LittleEndian.AppendUint32(dst, uint32(m.Version))
	if witness {
		dst = append(dst, 0, witnessFlag) // marker (an empty input list), flag
	}
	dst = AppendCompactSize(dst, uint64(len(m.TxIn)))
	for i := range m.TxIn {
		in := &m.TxIn[i]
		dst = append(dst, in.PreviousOutPoint.Hash[:]...)
		dst = binary.LittleEndian.AppendUint32(dst, in.PreviousOutPoint.Index)
		dst = appendVarBytes(dst, in.SignatureScript)
		dst = binary.LittleEndian.AppendUint32(dst, in.Sequence)
	}
	dst = AppendCompactSize(dst, uint64(len(m.TxOut)))
	for i := range m.TxOut {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(m.TxOut[i].Value))
		dst = appendVarBytes(dst, m.TxOut[i].PkScript)
	}
	if witness {
		for i := range m.TxIn {
			w := m.TxIn[i].Witness
			dst = AppendCompactSize(dst, uint64(len(w)))
			for _, item := range w {
				dst = appendVarBytes(dst, item)
			}
		}
	}
	return binary.LittleEndian.AppendUint32(dst, m.LockTime)
}

// SerializeSize returns the length of AppendPayload's output.
func (m *MsgTx) SerializeSize() int { return m.size(true) }

// StrippedSize returns the length of AppendStripped's output (the
// transaction's base size; weight is 3 times this plus SerializeSize).
func (m *MsgTx) StrippedSize() int { return m.size(false) }

func (m *MsgTx) size(witness bool) int {
	witness = witness && m.HasWitness()
	n := 4 + CompactSizeLen(uint64(len(m.TxIn))) + CompactSizeLen(uint64(len(m.TxOut))) + 4
	for i := range m.TxIn {
		s := len(m.TxIn[i].SignatureScript)
		n += minTxInSize - 1 + CompactSizeLen(uint64(s)) + s
		if witness {
			w := m.TxIn[i].Witness
			n += CompactSizeLen(uint64(len(w)))
			for _, item := range w {
				n += CompactSizeLen(uint64(len(item))) + len(item)
			}
		}
	}
	for i := range m.TxOut {
		s := len(m.TxOut[i].PkScript)
		n += 8 + CompactSizeLen(uint64(s)) + s
	}
	if witness {
		n += 2
	}
	return n
}

// TxHash returns the transaction id: the double SHA-256 of the
// serialization without witness. It does not allocate for a transaction of
// up to 512 bytes.
func (m *MsgTx) TxHash() Hash {
	var buf [512]byte
	return DoubleSHA256(m.appendTx(buf[:0], false))
}

// WitnessHash returns the wtxid (BIP141): the double SHA-256 of the
// serialization with witness; equal to TxHash without witness data.
func (m *MsgTx) WitnessHash() Hash {
	var buf [512]byte
	return DoubleSHA256(m.appendTx(buf[:0], true))
}

// DecodePayload decodes a transaction as Core does (UnserializeTransaction
// with witnesses allowed): a zero input count is the BIP144 marker and is
// followed by the flag; a zero flag means an empty transaction with no
// outputs either; the witness bit with only empty witnesses is
// ErrSuperfluousWitness, and any other flag bit ErrUnknownTxFlag. Counts
// and lengths are checked against the input left before anything is
// allocated. A small transaction (up to two inputs, two outputs, four
// witness items and 448 bytes) takes one allocation, any other four.
func (m *MsgTx) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdTx, b)
	r.tx(m)
	if err := r.finish(); err != nil {
		*m = MsgTx{}
		return err
	}
	return nil
}

// txCounts sums what scanTx saw: how many inputs, outputs and witness items
// the fill pass must allocate.
type txCounts struct {
	ins, outs, wits int
}

// scanTx checks the transaction at the front of r.b, moves past it and adds
// its entries to c. Nothing is allocated: fill reads the same bytes again
// once the totals are known, so a list of transactions decodes into one
// array per entry kind.
func (r *reader) scanTx(c *txCounts) {
	if n, ok := scanTxFast(r.b, c); ok {
		r.b = r.b[n:]
		return
	}
	// Something is wrong or unusual: walk it again field by field to name
	// the field.
	r.u32("version")
	nIn := r.count("txin_count", MaxCompactSize, minTxInSize)
	flags := byte(0)
	if r.err == nil && nIn == 0 {
		// Either an empty input list or the BIP144 marker: the flag follows.
		flags = r.u8("flag")
		if flags == 0 {
			// Core reads no output list after an empty input list and a
			// zero flag.
			r.u32("lock_time")
			return
		}
		nIn = r.count("txin_count", MaxCompactSize, minTxInSize)
	}
	for i := 0; i < nIn && r.err == nil; i++ {
		r.enter("input", i)
		if len(r.b) < HashSize+4 {
			r.fail("previous_outpoint", ErrShortInput)
			break
		}
		r.b = r.b[HashSize+4:]
		r.skipBytes("script")
		r.u32("sequence")
	}
	r.leave()
	nOut := r.count("txout_count", MaxCompactSize, minTxOutSize)
	for i := 0; i < nOut && r.err == nil; i++ {
		r.enter("output", i)
		r.u64("value")
		r.skipBytes("script")
	}
	r.leave()
	c.ins += nIn
	c.outs += nOut
	if flags&witnessFlag != 0 {
		flags ^= witnessFlag
		any := false
		for i := 0; i < nIn && r.err == nil; i++ {
			r.enter("witness", i)
			n := r.count("item_count", MaxCompactSize, 1)
			any = any || n > 0
			c.wits += n
			for j := 0; j < n && r.err == nil; j++ {
				r.skipBytes("item")
			}
		}
		r.leave()
		if r.err == nil && !any {
			r.fail("witness", ErrSuperfluousWitness)
		}
	}
	if r.err == nil && flags != 0 {
		r.fail("flag", ErrUnknownTxFlag)
	}
	r.u32("lock_time")
}

// scanTxFast is scanTx for a well-formed transaction, without field names:
// it returns the transaction's length and adds its entries to c, or reports
// false (leaving c alone) at the first thing scanTx would fail on, and at
// flags other than 0 and 1, so that scanTx can name the fault.
func scanTxFast(b []byte, c *txCounts) (int, bool) {
	nIn, p, ok := compactSizeAt(b, 4)
	if !ok {
		return 0, false
	}
	flags := byte(0)
	if nIn == 0 {
		if p >= len(b) {
			return 0, false
		}
		flags, p = b[p], p+1
		if flags == 0 {
			if p += 4; p > len(b) {
				return 0, false
			}
			return p, true
		}
		if flags != witnessFlag {
			return 0, false
		}
		if nIn, p, ok = compactSizeAt(b, p); !ok {
			return 0, false
		}
	}
	if nIn > uint64(len(b)-p)/minTxInSize {
		return 0, false
	}
	for range nIn {
		var n uint64
		if n, p, ok = compactSizeAt(b, p+HashSize+4); !ok || n > uint64(len(b)-p) {
			return 0, false
		}
		p += int(n) + 4
	}
	nOut, p, ok := compactSizeAt(b, p)
	if !ok || nOut > uint64(len(b)-p)/minTxOutSize {
		return 0, false
	}
	for range nOut {
		var n uint64
		if n, p, ok = compactSizeAt(b, p+8); !ok || n > uint64(len(b)-p) {
			return 0, false
		}
		p += int(n)
	}
	wits := uint64(0)
	if flags == witnessFlag {
		for range nIn {
			var items uint64
			if items, p, ok = compactSizeAt(b, p); !ok || items > uint64(len(b)-p) {
				return 0, false
			}
			wits += items
			for range items {
				var n uint64
				if n, p, ok = compactSizeAt(b, p); !ok || n > uint64(len(b)-p) {
					return 0, false
				}
				p += int(n)
			}
		}
		if wits == 0 {
			return 0, false
		}
	}
	if p += 4; p > len(b) {
		return 0, false
	}
	c.ins += int(nIn)
	c.outs += int(nOut)
	c.wits += int(wits)
	return p, true
}

// compactSizeAt reads the CompactSize at b[p:] as ReadCompactSize does and
// returns it with the offset after it; ok is false where ReadCompactSize
// fails, p past the end included.
func compactSizeAt(b []byte, p int) (v uint64, next int, ok bool) {
	if p >= len(b) {
		return 0, p, false
	}
	if c := b[p]; c < 0xfd {
		return uint64(c), p + 1, true
	}
	v, n, err := ReadCompactSize(b[p:])
	return v, p + n, err == nil
}

// skipBytes moves past a CompactSize length and that many bytes.
func (r *reader) skipBytes(field string) {
	n := r.compactSize(field)
	if r.err != nil {
		return
	}
	if n > uint64(len(r.b)) {
		r.fail(field, ErrShortInput)
		return
	}
	r.b = r.b[n:]
}

// txSlabs are the arrays a list of scanned transactions is filled into.
type txSlabs struct {
	ins  []TxIn
	outs []TxOut
	wits [][]byte
}

// newTxSlabs allocates the slabs for c. A small transaction (the usual
// shape: a few inputs, outputs and witness items) gets all three from one
// allocation of a fixed-size block, so decoding it costs one allocation
// less than a slab each; anything larger gets a slab of exactly its size
// per kind.
func newTxSlabs(c txCounts) txSlabs {
	switch {
	case c.ins <= 1 && c.outs <= 2 && c.wits <= 2:
		p := new(struct {
			ins  [1]TxIn
			outs [2]TxOut
			wits [2][]byte
		})
		return txSlabs{ins: p.ins[:c.ins], outs: p.outs[:c.outs], wits: p.wits[:c.wits]}
	case c.ins <= 2 && c.outs <= 2 && c.wits <= 4:
		p := new(struct {
			ins  [2]TxIn
			outs [2]TxOut
			wits [4][]byte
		})
		return txSlabs{ins: p.ins[:c.ins], outs: p.outs[:c.outs], wits: p.wits[:c.wits]}
	case c.ins <= 4 && c.outs <= 4 && c.wits <= 8:
		p := new(struct {
			ins  [4]TxIn
			outs [4]TxOut
			wits [8][]byte
		})
		return txSlabs{ins: p.ins[:c.ins], outs: p.outs[:c.outs], wits: p.wits[:c.wits]}
	}
	var s txSlabs
	if c.ins > 0 {
		s.ins = make([]TxIn, c.ins)
	}
	if c.outs > 0 {
		s.outs = make([]TxOut, c.outs)
	}
	if c.wits > 0 {
		s.wits = make([][]byte, c.wits)
	}
	return s
}

// fillTxs fills n transactions from data, which scanTx accepted as n
// transactions totalling c; the scripts alias data.
func fillTxs(data []byte, n int, c txCounts) []MsgTx {
	if n == 0 {
		return nil
	}
	txs := make([]MsgTx, n)
	s := newTxSlabs(c)
	for i := range txs {
		data = s.fill(data, &txs[i])
	}
	return txs
}

// fill decodes the transaction at the front of b, which scanTx accepted, so
// no bound is checked again; it takes the entries from the slabs, points the
// scripts into b and returns the rest of b.
func (s *txSlabs) fill(b []byte, tx *MsgTx) []byte {
	tx.Version = int32(binary.LittleEndian.Uint32(b))
	nIn, b := uncheckedCompactSize(b[4:])
	flags := byte(0)
	if nIn == 0 {
		flags, b = b[0], b[1:]
		if flags == 0 {
			tx.TxIn, tx.TxOut = nil, nil
			tx.LockTime = binary.LittleEndian.Uint32(b)
			return b[4:]
		}
		nIn, b = uncheckedCompactSize(b)
	}
	tx.TxIn = nil
	if nIn > 0 {
		tx.TxIn = s.ins[:nIn:nIn]
		s.ins = s.ins[nIn:]
	}
	for i := range tx.TxIn {
		in := &tx.TxIn[i]
		in.PreviousOutPoint.Hash = Hash(b[:HashSize])
		in.PreviousOutPoint.Index = binary.LittleEndian.Uint32(b[HashSize:])
		in.SignatureScript, b = uncheckedBytes(b[HashSize+4:])
		in.Sequence = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	nOut, b := uncheckedCompactSize(b)
	tx.TxOut = nil
	if nOut > 0 {
		tx.TxOut = s.outs[:nOut:nOut]
		s.outs = s.outs[nOut:]
	}
	for i := range tx.TxOut {
		out := &tx.TxOut[i]
		out.Value = int64(binary.LittleEndian.Uint64(b))
		out.PkScript, b = uncheckedBytes(b[8:])
	}
	if flags&witnessFlag != 0 {
		for i := range tx.TxIn {
			var n uint64
			n, b = uncheckedCompactSize(b)
			if n == 0 {
				continue
			}
			w := s.wits[:n:n]
			s.wits = s.wits[n:]
			for j := range w {
				w[j], b = uncheckedBytes(b)
			}
			tx.TxIn[i].Witness = w
		}
	}
	tx.LockTime = binary.LittleEndian.Uint32(b)
	return b[4:]
}

// uncheckedCompactSize reads a CompactSize already validated by a scan.
func uncheckedCompactSize(b []byte) (uint64, []byte) {
	switch b[0] {
	case 0xfd:
		return uint64(binary.LittleEndian.Uint16(b[1:])), b[3:]
	case 0xfe:
		return uint64(binary.LittleEndian.Uint32(b[1:])), b[5:]
	case 0xff:
		return binary.LittleEndian.Uint64(b[1:]), b[9:]
	}
	return uint64(b[0]), b[1:]
}

// uncheckedBytes reads a length-prefixed byte string already validated by a
// scan, returning it as a capacity-clipped sub-slice of b (nil when empty)
// and the rest of b.
func uncheckedBytes(b []byte) ([]byte, []byte) {
	n, b := uncheckedCompactSize(b)
	if n == 0 {
		return nil, b
	}
	return b[:n:n], b[n:]
}

// tx reads one transaction into tx: scanned first, then filled from one
// copy of its bytes.
func (r *reader) tx(tx *MsgTx) {
	start := r.b
	var c txCounts
	r.scanTx(&c)
	if r.err != nil {
		return
	}
	raw := start[:len(start)-len(r.b)]
	if len(raw) <= smallTxData && c.ins <= 2 && c.outs <= 2 && c.wits <= 4 {
		// The common small transaction: entries and bytes in one block.
		p := new(smallTx)
		data := p.data[:len(raw):len(raw)]
		copy(data, raw)
		s := txSlabs{ins: p.ins[:c.ins], outs: p.outs[:c.outs], wits: p.wits[:c.wits]}
		s.fill(data, tx)
		return
	}
	data := append([]byte(nil), raw...)
	s := newTxSlabs(c)
	s.fill(data, tx)
}

// smallTxData is the most transaction bytes a smallTx holds.
const smallTxData = 448

// smallTx holds everything a small decoded transaction points to, so that
// decoding one takes a single allocation.
type smallTx struct {
	ins  [2]TxIn
	outs [2]TxOut
	wits [4][]byte
	data [smallTxData]byte
}
