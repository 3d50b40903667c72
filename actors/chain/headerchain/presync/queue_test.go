package presync

import (
	"math/rand/v2"
	"testing"
)

// The bit queue against a slice of bools, pushes and pops interleaved.
func TestBitQueue(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q bitQueue
	var model []bool
	for i := range 20_000 {
		if len(model) == 0 || r.IntN(3) != 0 {
			b := r.IntN(2) == 1
			q.push(b)
			model = append(model, b)
		} else {
			if got := q.pop(); got != model[0] {
				t.Fatalf("step %d: popped %v, want %v", i, got, model[0])
			}
			model = model[1:]
		}
		if q.len() != len(model) {
			t.Fatalf("step %d: len %d, want %d", i, q.len(), len(model))
		}
	}
	for len(model) > 0 {
		if q.pop() != model[0] {
			t.Fatal("drain: wrong bit")
		}
		model = model[1:]
	}
	if q.bytes() > 8*len(q.words) && len(q.words) != 0 {
		t.Fatal("drained queue keeps words")
	}
}

// The header ring against a slice, growing past its limit when it must.
func TestHeaderRing(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ring := headerRing{limit: 100}
	var model []compressedHeader
	for i := range 20_000 {
		if len(model) == 0 || r.IntN(2) == 0 {
			c := compressedHeader{nonce: uint32(i)}
			ring.push(c)
			model = append(model, c)
		} else {
			if ring.front().nonce != model[0].nonce {
				t.Fatalf("step %d: front %d, want %d", i, ring.front().nonce, model[0].nonce)
			}
			ring.popFront()
			model = model[1:]
		}
		if ring.len() != len(model) || (len(model) > 0 && ring.back().nonce != model[len(model)-1].nonce) {
			t.Fatalf("step %d: ring and model differ", i)
		}
	}
	if len(model) <= 100 && cap(ring.buf) > 100 {
		t.Fatalf("ring grew to %d for at most 100 headers", cap(ring.buf))
	}
}
