package presync

// bitQueue is a first-in first-out queue of bits, 64 to a word (Core's
// bitdeque). The commitments are pushed during presync and popped during
// redownload; words wholly popped are released as the queue drains.
type bitQueue struct {
	words []uint64
	head  int // position of the first bit in words[0]'s numbering
	n     int // bits held
}

// len returns the number of bits held.
func (q *bitQueue) len() int { return q.n }

// push appends b.
func (q *bitQueue) push(b bool) {
	pos := q.head + q.n
	if pos/64 >= len(q.words) {
		q.words = append(q.words, 0)
	}
	if b {
		q.words[pos/64] |= 1 << (pos % 64)
	}
	q.n++
}

// pop removes and returns the first bit; the queue must not be empty.
func (q *bitQueue) pop() bool {
	b := q.words[q.head/64]>>(q.head%64)&1 == 1
	q.head++
	q.n--
	if q.n == 0 {
		q.words, q.head = q.words[:0], 0
	} else if done := q.head / 64; done > 0 && done >= len(q.words)/2 {
		// Move the live words down once at least half are spent, so the
		// copying costs O(1) a bit.
		k := copy(q.words, q.words[done:])
		clear(q.words[k:])
		q.words = q.words[:k]
		q.head -= 64 * done
	}
	return b
}

// bytes returns the heap the queue holds.
func (q *bitQueue) bytes() int { return 8 * cap(q.words) }

// release frees the queue's memory.
func (q *bitQueue) release() { *q = bitQueue{} }
