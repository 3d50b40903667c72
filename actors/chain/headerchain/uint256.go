package headerchain

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/actornode/actornode/protocol"
)

// Uint256 is an unsigned 256-bit number: a target or an amount of chain
// work (Core's arith_uint256). It is four 64-bit limbs, least significant
// first, so an index entry holds its chain work in 32 bytes and adding work
// allocates nothing. Arithmetic wraps modulo 2^256, as Core's does.
type Uint256 [4]uint64

// Uint256FromHash reads a hash as the number Core's UintToArith256 makes of
// it: its bytes are little-endian. A block hash read this way is compared
// with the block's target.
func Uint256FromHash(h protocol.Hash) Uint256 {
	return Uint256{
		binary.LittleEndian.Uint64(h[0:]),
		binary.LittleEndian.Uint64(h[8:]),
		binary.LittleEndian.Uint64(h[16:]),
		binary.LittleEndian.Uint64(h[24:]),
	}
}

// Hash returns x in the byte order of a protocol.Hash (Core's
// ArithToUint256), the inverse of Uint256FromHash.
func (x Uint256) Hash() protocol.Hash {
	var h protocol.Hash
	for i, w := range x {
		binary.LittleEndian.PutUint64(h[8*i:], w)
	}
	return h
}

// Uint256FromBig returns b modulo 2^256; a negative b gives zero.
func Uint256FromBig(b *big.Int) Uint256 {
	var x Uint256
	if b == nil || b.Sign() <= 0 {
		return x
	}
	var buf [32]byte
	m := new(big.Int).Set(b)
	if m.BitLen() > 256 {
		m.And(m, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)))
	}
	m.FillBytes(buf[:])
	for i := range x {
		x[i] = binary.BigEndian.Uint64(buf[32-8*(i+1):])
	}
	return x
}

// Big returns x as a new big.Int.
func (x Uint256) Big() *big.Int {
	var buf [32]byte
	for i, w := range x {
		binary.BigEndian.PutUint64(buf[32-8*(i+1):], w)
	}
	return new(big.Int).SetBytes(buf[:])
}

// String prints x as Core prints a uint256: 64 hex digits, most
// significant first.
func (x Uint256) String() string {
	return fmt.Sprintf("%016x%016x%016x%016x", x[3], x[2], x[1], x[0])
}

// IsZero reports whether x is zero.
func (x Uint256) IsZero() bool { return x == Uint256{} }

// Cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x Uint256) Cmp(y Uint256) int {
	for i := 3; i >= 0; i-- {
		switch {
		case x[i] < y[i]:
			return -1
		case x[i] > y[i]:
			return 1
		}
	}
	return 0
}

// Add returns x+y modulo 2^256.
func (x Uint256) Add(y Uint256) Uint256 {
	var z Uint256
	var c uint64
	for i := range z {
		z[i], c = bits.Add64(x[i], y[i], c)
	}
	return z
}

// mulUint64 returns x*m modulo 2^256.
func (x Uint256) mulUint64(m uint64) Uint256 {
	var z Uint256
	var carry uint64
	for i := range z {
		hi, lo := bits.Mul64(x[i], m)
		var c uint64
		z[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return z
}

// divUint64 returns x/d; d must not be zero.
func (x Uint256) divUint64(d uint64) Uint256 {
	var z Uint256
	var r uint64
	for i := 3; i >= 0; i-- {
		z[i], r = bits.Div64(r, x[i], d)
	}
	return z
}

// bitLen returns the number of bits needed to write x (Core's bits()).
func (x Uint256) bitLen() int {
	for i := 3; i >= 0; i-- {
		if x[i] != 0 {
			return 64*i + bits.Len64(x[i])
		}
	}
	return 0
}

// rsh returns x >> n.
func (x Uint256) rsh(n uint) Uint256 {
	var z Uint256
	if n >= 256 {
		return z
	}
	limbs, shift := int(n/64), n%64
	for i := 0; i+limbs < 4; i++ {
		z[i] = x[i+limbs] >> shift
		if shift > 0 && i+limbs+1 < 4 {
			z[i] |= x[i+limbs+1] << (64 - shift)
		}
	}
	return z
}

// lsh returns x << n modulo 2^256.
func (x Uint256) lsh(n uint) Uint256 {
	var z Uint256
	if n >= 256 {
		return z
	}
	limbs, shift := int(n/64), n%64
	for i := 3; i-limbs >= 0; i-- {
		z[i] = x[i-limbs] << shift
		if shift > 0 && i-limbs-1 >= 0 {
			z[i] |= x[i-limbs-1] >> (64 - shift)
		}
	}
	return z
}

// CompactToTarget expands compact difficulty bits into a target (Core's
// arith_uint256::SetCompact). negative and overflow report the encodings
// Core refuses as a proof-of-work target: the sign bit set on a non-zero
// mantissa, or a value past 256 bits.
func CompactToTarget(compact uint32) (target Uint256, negative, overflow bool) {
	size := compact >> 24
	word := compact & 0x007fffff
	if size <= 3 {
		word >>= 8 * (3 - size)
		target = Uint256{uint64(word)}
	} else {
		target = Uint256{uint64(word)}.lsh(uint(8 * (size - 3)))
	}
	negative = word != 0 && compact&0x00800000 != 0
	overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
	return target, negative, overflow
}

// Compact returns x in compact form, rounded down to its three most
// significant bytes (Core's arith_uint256::GetCompact without the sign).
func (x Uint256) Compact() uint32 {
	size := uint32((x.bitLen() + 7) / 8)
	var compact uint32
	if size <= 3 {
		compact = uint32(x[0] << (8 * (3 - size)))
	} else {
		compact = uint32(x.rsh(uint(8 * (size - 3)))[0])
	}
	// The 0x00800000 bit is the sign: move a mantissa that sets it one byte
	// down and grow the exponent.
	if compact&0x00800000 != 0 {
		compact >>= 8
		size++
	}
	return compact | size<<24
}

// BlockProof returns the work a block with these bits proves: the expected
// number of hashes to find it, 2^256 / (target+1), or zero for bits that are
// negative, overflow or give a zero target (Core's GetBitsProof).
func BlockProof(compact uint32) Uint256 {
	target, negative, overflow := CompactToTarget(compact)
	if negative || overflow || target.IsZero() {
		return Uint256{}
	}
	// 2^256 does not fit, but 2^256/(t+1) = (2^256-t-1)/(t+1) + 1, and
	// 2^256-t-1 is ^t.
	not := Uint256{^target[0], ^target[1], ^target[2], ^target[3]}
	plus1 := target.Add(Uint256{1})
	var q Uint256
	if plus1[1]|plus1[2]|plus1[3] == 0 {
		q = not.divUint64(plus1[0])
	} else {
		q = Uint256FromBig(new(big.Int).Quo(not.Big(), plus1.Big()))
	}
	return q.Add(Uint256{1})
}
