package protocol

import (
	"encoding/binary"
	"fmt"
)

// BlockHeaderSize is the wire size of a BlockHeader.
const BlockHeaderSize = 80

// BlockHeader is an 80-byte block header.
type BlockHeader struct {
	// Version is the block version (BIP9 version bits).
	Version int32
	// PrevBlock is the hash of the previous block's header.
	PrevBlock Hash
	// MerkleRoot commits to the block's transactions.
	MerkleRoot Hash
	// Timestamp is the block time in Unix seconds.
	Timestamp uint32
	// Bits is the compact difficulty target.
	Bits uint32
	// Nonce is the proof-of-work nonce.
	Nonce uint32
}

// AppendBlockHeader appends the 80-byte wire serialization of h to dst.
func AppendBlockHeader(dst []byte, h *BlockHeader) []byte { return appendBlockHeader(dst, h) }

// ParseBlockHeader reads a header from the first BlockHeaderSize bytes of
// b; a shorter b wraps ErrShortInput.
func ParseBlockHeader(b []byte) (BlockHeader, error) {
	var h BlockHeader
	if len(b) < BlockHeaderSize {
		return h, fmt.Errorf("block header: %d bytes, want %d: %w", len(b), BlockHeaderSize, ErrShortInput)
	}
	parseBlockHeader(&h, b)
	return h, nil
}

// appendBlockHeader appends the 80-byte serialization of h.
func appendBlockHeader(dst []byte, h *BlockHeader) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.Version))
	dst = append(dst, h.PrevBlock[:]...)
	dst = append(dst, h.MerkleRoot[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, h.Timestamp)
	dst = binary.LittleEndian.AppendUint32(dst, h.Bits)
	return binary.LittleEndian.AppendUint32(dst, h.Nonce)
}

// parseBlockHeader fills h from exactly BlockHeaderSize bytes.
func parseBlockHeader(h *BlockHeader, b []byte) {
	_ = b[BlockHeaderSize-1]
	h.Version = int32(binary.LittleEndian.Uint32(b[0:]))
	h.PrevBlock = Hash(b[4:36])
	h.MerkleRoot = Hash(b[36:68])
	h.Timestamp = binary.LittleEndian.Uint32(b[68:])
	h.Bits = binary.LittleEndian.Uint32(b[72:])
	h.Nonce = binary.LittleEndian.Uint32(b[76:])
}

// BlockHash returns the block's hash: the double SHA-256 of the header. It
// does not allocate.
func (h *BlockHeader) BlockHash() Hash {
	var buf [BlockHeaderSize]byte
	return DoubleSHA256(appendBlockHeader(buf[:0], h))
}
