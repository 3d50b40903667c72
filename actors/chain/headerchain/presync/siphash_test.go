package presync

import (
	"testing"

	"github.com/actornode/actornode/protocol"
)

// The SipHash-2-4 reference vector for the 32 bytes 00..1f under the key
// 00..0f (the specification's vectors.h, entry 32; Core's hash_tests).
func TestSipHashVector(t *testing.T) {
	var h protocol.Hash
	for i := range h {
		h[i] = byte(i)
	}
	s := newSaltedHasher(0x0706050403020100, 0x0f0e0d0c0b0a0908)
	if got, want := s.sum(&h), uint64(0x7127512f72f27cce); got != want {
		t.Fatalf("siphash = %#016x, want %#016x", got, want)
	}
}

// Different keys give different bits for about half of the hashes.
func TestSaltedBitsDependOnKey(t *testing.T) {
	a, b := newSaltedHasher(1, 2), newSaltedHasher(3, 4)
	differ := 0
	var h protocol.Hash
	for i := range 1000 {
		h[0], h[1] = byte(i), byte(i>>8)
		if a.bit(&h) != b.bit(&h) {
			differ++
		}
	}
	if differ < 400 || differ > 600 {
		t.Fatalf("%d of 1000 bits differ between keys, want about 500", differ)
	}
}
