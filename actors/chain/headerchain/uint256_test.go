package headerchain

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// Core's arith_uint256_tests bignum_SetCompact.
func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		name               string
		compact            uint32
		hex                string // the target, 64 digits
		back               uint32 // Compact() of the target
		negative, overflow bool
	}{
		{name: "zero", compact: 0, back: 0},
		{name: "size 0", compact: 0x00123456, back: 0},
		{name: "size 1 high bytes dropped", compact: 0x01003456, back: 0},
		{name: "size 2 high bytes dropped", compact: 0x02000056, back: 0},
		{name: "size 3 zero", compact: 0x03000000, back: 0},
		{name: "size 4 zero", compact: 0x04000000, back: 0},
		{name: "sign bit, zero mantissa 0", compact: 0x00923456, back: 0},
		{name: "sign bit, zero mantissa 1", compact: 0x01803456, back: 0},
		{name: "sign bit, zero mantissa 2", compact: 0x02800056, back: 0},
		{name: "sign bit, zero mantissa 3", compact: 0x03800000, back: 0},
		{name: "sign bit, zero mantissa 4", compact: 0x04800000, back: 0},
		{name: "size 1", compact: 0x01123456, hex: "12", back: 0x01120000},
		{name: "negative size 1", compact: 0x01fedcba, hex: "7e", back: 0x017e0000, negative: true},
		{name: "size 2", compact: 0x02123456, hex: "1234", back: 0x02123400},
		{name: "size 3", compact: 0x03123456, hex: "123456", back: 0x03123456},
		{name: "size 4", compact: 0x04123456, hex: "12345600", back: 0x04123456},
		{name: "negative size 4", compact: 0x04923456, hex: "12345600", back: 0x04123456, negative: true},
		{name: "mantissa with top bit", compact: 0x05009234, hex: "92340000", back: 0x05009234},
		{name: "size 32", compact: 0x20123456, hex: "1234560000000000000000000000000000000000000000000000000000000000", back: 0x20123456},
		{name: "overflow", compact: 0xff123456, overflow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, neg, over := CompactToTarget(tc.compact)
			if neg != tc.negative || over != tc.overflow {
				t.Fatalf("negative %v overflow %v, want %v %v", neg, over, tc.negative, tc.overflow)
			}
			if tc.overflow {
				return
			}
			want, _ := new(big.Int).SetString("0"+tc.hex, 16)
			if got.Big().Cmp(want) != 0 {
				t.Errorf("target %s, want %s", got, tc.hex)
			}
			if c := got.Compact(); c != tc.back {
				t.Errorf("Compact() = %#08x, want %#08x", c, tc.back)
			}
		})
	}
	// Core: no compact with the 0x00800000 bit set.
	if c := (Uint256{0x80}).Compact(); c != 0x02008000 {
		t.Errorf("Compact(0x80) = %#08x, want 0x02008000", c)
	}
}

// TestArithmetic checks the fixed-width operations against math/big.
func TestArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	random := func() Uint256 {
		var x Uint256
		for i := range x {
			if r.IntN(4) > 0 {
				x[i] = r.Uint64()
			}
		}
		return x
	}
	for range 2000 {
		x, y := random(), random()
		m := r.Uint64N(1 << 40)
		d := r.Uint64() | 1
		n := uint(r.IntN(300))
		check := func(op string, got Uint256, want *big.Int) {
			t.Helper()
			want.Mod(want, mod)
			if got.Big().Cmp(want) != 0 {
				t.Fatalf("%s of %s: got %s, want %064x", op, x, got, want)
			}
		}
		check("add", x.Add(y), new(big.Int).Add(x.Big(), y.Big()))
		check("mul", x.mulUint64(m), new(big.Int).Mul(x.Big(), new(big.Int).SetUint64(m)))
		check("div", x.divUint64(d), new(big.Int).Quo(x.Big(), new(big.Int).SetUint64(d)))
		check("lsh", x.lsh(n), new(big.Int).Lsh(x.Big(), n))
		check("rsh", x.rsh(n), new(big.Int).Rsh(x.Big(), n))
		if got, want := x.Cmp(y), x.Big().Cmp(y.Big()); got != want {
			t.Fatalf("Cmp(%s, %s) = %d, want %d", x, y, got, want)
		}
		if x.bitLen() != x.Big().BitLen() {
			t.Fatalf("bitLen(%s) = %d", x, x.bitLen())
		}
		if Uint256FromHash(x.Hash()) != x || Uint256FromBig(x.Big()) != x {
			t.Fatalf("round trip of %s", x)
		}
	}
}

func TestBlockProof(t *testing.T) {
	for _, tc := range []struct {
		name string
		bits uint32
		want string // hex
	}{
		// Mainnet genesis: 2^256 / (0xffff * 2^208 + 1) = 0x100010001.
		{name: "difficulty 1", bits: 0x1d00ffff, want: "100010001"},
		// Regtest: target 0x7fffff * 2^232, work 2.
		{name: "regtest", bits: 0x207fffff, want: "2"},
		{name: "negative", bits: 0x04923456, want: "0"},
		{name: "overflow", bits: 0xff123456, want: "0"},
		{name: "zero target", bits: 0x01003456, want: "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BlockProof(tc.bits); got.Big().Text(16) != tc.want {
				t.Errorf("BlockProof(%#08x) = %s, want %s", tc.bits, got, tc.want)
			}
		})
	}
	// Against the definition, 2^256/(target+1), for small targets (the
	// 64-bit divisor path) and large ones.
	two256 := new(big.Int).Lsh(big.NewInt(1), 256)
	for _, bits := range []uint32{0x03123456, 0x08345678, 0x1b0404cb, 0x1c05a3f4, 0x1d00d86a, 0x1e0377ae, 0x17034219} {
		target, _, _ := CompactToTarget(bits)
		want := new(big.Int).Quo(two256, new(big.Int).Add(target.Big(), big.NewInt(1)))
		if got := BlockProof(bits); got.Big().Cmp(want) != 0 {
			t.Errorf("BlockProof(%#08x) = %s, want %064x", bits, got, want)
		}
	}
}
