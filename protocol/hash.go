package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the length in bytes of a Hash.
const HashSize = 32

// Hash is a double-SHA256 digest (a block or transaction id) in wire byte
// order. Bitcoin displays hashes byte-reversed; String and NewHashFromStr use
// that display order.
type Hash [HashSize]byte

// String returns the hash in Bitcoin's display order: the bytes reversed,
// as lowercase hex (the form block explorers and Core's RPC print).
func (h Hash) String() string {
	var rev [HashSize]byte
	for i := range h {
		rev[i] = h[HashSize-1-i]
	}
	return hex.EncodeToString(rev[:])
}

// IsZero reports whether every byte of h is zero (for instance an unset
// getheaders hash_stop).
func (h Hash) IsZero() bool { return h == Hash{} }

// NewHashFromStr parses a hash written in display order (as String prints
// it): exactly 64 hex digits, either case.
func NewHashFromStr(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("parse hash %q: want %d hex digits, have %d", s, 2*HashSize, len(s))
	}
	var rev [HashSize]byte
	if _, err := hex.Decode(rev[:], []byte(s)); err != nil {
		return h, fmt.Errorf("parse hash %q: %w", s, err)
	}
	for i := range rev {
		h[i] = rev[HashSize-1-i]
	}
	return h, nil
}

// DoubleSHA256 returns SHA-256(SHA-256(b)), Bitcoin's hash for block headers,
// transactions and message checksums. It does not allocate.
func DoubleSHA256(b []byte) Hash {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}
