package headerchain

import (
	"hash/maphash"

	"github.com/actornode/actornode/protocol"
)

// table maps block hashes to entry positions. It stores only a 32-bit
// position per slot (open addressing, linear probing) and compares the full
// hash against the entry, so the index keeps each hash once: 5.3 to 10.7
// bytes a header (at most three slots in four full) instead of the 40 to 80
// a map[protocol.Hash]uint32 takes. At 3/4 a lookup probes about 2.5 slots
// when the hash is present (8.5 when not): cheap next to a header's double
// SHA-256, and it keeps mainnet's ~930,000 headers, and up to 1.5 million,
// in 2^21 slots (8 MiB). Slots
// are picked by a keyed hash (maphash, seeded per table), so headers ground
// to collide in their low bits (free on regtest) cannot make probing slow.
type table struct {
	seed  maphash.Seed
	slots []uint32 // position+1; 0 is empty
	mask  uint64
	n     int
}

const minTableSlots = 1 << 10

func newTable(capacity int) table {
	size := minTableSlots
	for size*3 < 4*capacity {
		size <<= 1
	}
	return table{seed: maphash.MakeSeed(), slots: make([]uint32, size), mask: uint64(size - 1)}
}

func (t *table) slot(h *protocol.Hash) uint64 {
	return maphash.Bytes(t.seed, h[:]) & t.mask
}

// find returns the position of the entry whose hash is h.
func (t *table) find(h *protocol.Hash, entries *entries) (uint32, bool) {
	for i := t.slot(h); ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if entries.at(s-1).hash == *h {
			return s - 1, true
		}
	}
}

// insert adds position pos for entries[pos], which must not be present.
// The table grows to keep at most three slots in four full.
func (t *table) insert(pos uint32, entries *entries) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow(entries)
	}
	t.place(pos, entries)
	t.n++
}

func (t *table) place(pos uint32, entries *entries) {
	for i := t.slot(&entries.at(pos).hash); ; i = (i + 1) & t.mask {
		if t.slots[i] == 0 {
			t.slots[i] = pos + 1
			return
		}
	}
}

func (t *table) grow(entries *entries) {
	old := t.slots
	t.slots = make([]uint32, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s != 0 {
			t.place(s-1, entries)
		}
	}
}
