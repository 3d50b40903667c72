package presync

import (
	"encoding/binary"
	"math/bits"

	"github.com/actornode/actornode/protocol"
)

// saltedHasher is SipHash-2-4 keyed with two secret words, applied to a
// 32-byte hash (Core's SaltedUint256Hasher, a PresaltedSipHasher). A peer
// that does not know the key cannot tell which headers' commitment bits are
// ones, so it cannot build a second chain that matches them.
type saltedHasher struct {
	v0, v1, v2, v3 uint64 // the state after keying, before any input
}

func newSaltedHasher(k0, k1 uint64) saltedHasher {
	return saltedHasher{
		v0: k0 ^ 0x736f6d6570736575,
		v1: k1 ^ 0x646f72616e646f6d,
		v2: k0 ^ 0x6c7967656e657261,
		v3: k1 ^ 0x7465646279746573,
	}
}

// sipRound is one SipRound of the SipHash specification.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// sum returns SipHash-2-4 of the 32 bytes of h: four message words, two
// rounds each, then the length block (32 in the top byte) and four
// finalization rounds.
func (s *saltedHasher) sum(h *protocol.Hash) uint64 {
	v0, v1, v2, v3 := s.v0, s.v1, s.v2, s.v3
	for i := 0; i < 32; i += 8 {
		m := binary.LittleEndian.Uint64(h[i:])
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	const last = uint64(32) << 56
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last
	v2 ^= 0xff
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// bit returns the commitment bit of a header hash: the low bit of its
// salted hash.
func (s *saltedHasher) bit(h *protocol.Hash) bool { return s.sum(h)&1 == 1 }
