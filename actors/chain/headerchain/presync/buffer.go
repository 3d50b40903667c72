package presync

import "github.com/actornode/actornode/protocol"

// compressedHeader is a header without its previous block's hash, which is
// the hash of the header before it in the buffer: 48 bytes instead of 80
// (Core's CompressedHeader, whose size Core's parameters assume).
type compressedHeader struct {
	merkle  protocol.Hash
	version int32
	time    uint32
	bits    uint32
	nonce   uint32
}

func compress(h *protocol.BlockHeader) compressedHeader {
	return compressedHeader{merkle: h.MerkleRoot, version: h.Version, time: h.Timestamp, bits: h.Bits, nonce: h.Nonce}
}

func (c *compressedHeader) full(prev protocol.Hash) protocol.BlockHeader {
	return protocol.BlockHeader{Version: c.version, PrevBlock: prev, MerkleRoot: c.merkle,
		Timestamp: c.time, Bits: c.bits, Nonce: c.nonce}
}

// headerRing is the redownload buffer: a first-in first-out ring of
// compressed headers that grows only when full, up to what it was sized for
// and past that only as far as needed.
type headerRing struct {
	buf  []compressedHeader
	head int
	n    int
	// limit is the capacity growth aims at: the buffer size plus one
	// headers message, the most an honest redownload holds.
	limit int
}

func (r *headerRing) len() int { return r.n }

func (r *headerRing) push(c compressedHeader) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = c
	r.n++
}

func (r *headerRing) grow() {
	size := max(2*len(r.buf), 64)
	if size > r.limit {
		size = max(r.limit, r.n+r.n/4+1)
	}
	buf := make([]compressedHeader, size)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}

// front returns the first header; the ring must not be empty.
func (r *headerRing) front() *compressedHeader { return &r.buf[r.head] }

// back returns the last header; the ring must not be empty.
func (r *headerRing) back() *compressedHeader { return &r.buf[(r.head+r.n-1)%len(r.buf)] }

func (r *headerRing) popFront() {
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// bytes returns the heap the ring holds.
func (r *headerRing) bytes() int { return 48 * cap(r.buf) }

func (r *headerRing) release() { *r = headerRing{} }
