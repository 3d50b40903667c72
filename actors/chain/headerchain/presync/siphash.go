package presync

import "github.com/actornode/actornode/protocol"

// saltedHasher is SipHash-2-4 keyed with two secret words, applied to a
// 32-byte hash (Core's SaltedUint256Hasher). A peer that does not know the
// key cannot tell which headers' commitment bits are ones, so it cannot
// build a second chain that matches them.
type saltedHasher struct{ k0, k1 uint64 }

func newSaltedHasher(k0, k1 uint64) saltedHasher { return saltedHasher{k0, k1} }

// sum returns SipHash-2-4 of the 32 bytes of h (protocol.SipHash24, the
// one implementation the node has).
func (s *saltedHasher) sum(h *protocol.Hash) uint64 { return protocol.SipHash24(s.k0, s.k1, h[:]) }

// bit returns the commitment bit of a header hash: the low bit of its
// salted hash.
func (s *saltedHasher) bit(h *protocol.Hash) bool { return s.sum(h)&1 == 1 }
