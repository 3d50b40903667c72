package transport

import "math/bits"

// Size classes of bufPool: powers of two from 2^minClass to 2^maxClass
// bytes; the largest holds a whole frame (protocol.MaxPayloadSize plus its
// header).
const (
	minClass = 8
	maxClass = 23
	// classBudget bounds the bytes one size class keeps idle: what the
	// pool holds counts in the node's memory beside the receive and send
	// limits.
	classBudget = 1 << 20
	// classMaxCount bounds the buffers one size class keeps idle.
	classMaxCount = 256
)

// bufPool is a free list of byte buffers by power-of-two size class. It is
// owned by one goroutine (io's loop) and needs no locks. Buffers come back
// from written Sends and acknowledged Receiveds and go out again as payload
// buffers, partial-frame buffers and Received.Out.
type bufPool struct {
	classes [maxClass + 1][][]byte
}

// classOf returns the class whose buffers all hold at least n bytes.
func classOf(n int) int {
	if n <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(n - 1))
}

// get returns an empty buffer with capacity at least n.
func (p *bufPool) get(n int) []byte {
	c := classOf(n)
	if c > maxClass {
		return make([]byte, 0, n)
	}
	if l := p.classes[c]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		p.classes[c] = l[:len(l)-1]
		return b[:0]
	}
	return make([]byte, 0, 1<<c)
}

// tryGetUpTo returns a pooled empty buffer with capacity at least n and
// below 2^(top+1), or nil when the pool has none: it never allocates.
func (p *bufPool) tryGetUpTo(n, top int) []byte {
	for c := classOf(n); c <= top && c <= maxClass; c++ {
		if l := p.classes[c]; len(l) > 0 {
			b := l[len(l)-1]
			l[len(l)-1] = nil
			p.classes[c] = l[:len(l)-1]
			return b[:0]
		}
	}
	return nil
}

// put keeps b for reuse if its class has room. b must not be used after.
func (p *bufPool) put(b []byte) {
	n := cap(b)
	if n < 1<<minClass {
		return
	}
	c := bits.Len(uint(n)) - 1 // the class whose size b's capacity reaches
	if c > maxClass {
		return
	}
	l := p.classes[c]
	if len(l) >= classMaxCount || (len(l)+1)<<c > classBudget && len(l) > 0 {
		return
	}
	p.classes[c] = append(l, b[:0])
}

// drop releases every pooled buffer.
func (p *bufPool) drop() {
	for i := range p.classes {
		p.classes[i] = nil
	}
}
