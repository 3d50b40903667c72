package presync

import (
	crand "crypto/rand"
	"math/rand/v2"
)

// NewRand returns a Rand seeded from the operating system's secure source,
// for a sync in a running node: a ChaCha8 stream, as unpredictable to a
// peer as Core's FastRandomContext.
func NewRand() Rand {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails since Go 1.24
	return rand.NewChaCha8(seed)
}
