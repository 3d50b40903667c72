package wirediff

import (
	"testing"

	"github.com/actornode/actornode/protocol"
	"github.com/aead/siphash"
)

// SipHash-2-4, which compact block short ids use, agrees with an
// independent implementation on every length up to three blocks.
func TestSipHashAgainstAead(t *testing.T) {
	g := newGen(7)
	for n := range 64 {
		var key [16]byte
		copy(key[:], g.bytes(16))
		msg := g.bytes(n)
		k0 := uint64(key[0]) | uint64(key[1])<<8 | uint64(key[2])<<16 | uint64(key[3])<<24 |
			uint64(key[4])<<32 | uint64(key[5])<<40 | uint64(key[6])<<48 | uint64(key[7])<<56
		k1 := uint64(key[8]) | uint64(key[9])<<8 | uint64(key[10])<<16 | uint64(key[11])<<24 |
			uint64(key[12])<<32 | uint64(key[13])<<40 | uint64(key[14])<<48 | uint64(key[15])<<56
		if got, want := protocol.SipHash24(k0, k1, msg), siphash.Sum64(msg, &key); got != want {
			t.Fatalf("%d bytes: %#x, aead %#x", n, got, want)
		}
	}
}
