package protocol

import (
	"errors"
	"testing"
)

func TestCompactSizeCanonical(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    uint64
		hex  string
	}{
		{name: "zero", v: 0, hex: "00"},
		{name: "one byte max", v: 0xfc, hex: "fc"},
		{name: "uint16 min", v: 0xfd, hex: "fdfd00"},
		{name: "uint16 max", v: 0xffff, hex: "fdffff"},
		{name: "uint32 min", v: 0x10000, hex: "fe00000100"},
		{name: "max size", v: MaxCompactSize, hex: "fe00000002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			if got := AppendCompactSize(nil, tc.v); string(got) != string(want) {
				t.Fatalf("AppendCompactSize(%#x) = %x, want %x", tc.v, got, want)
			}
			if n := CompactSizeLen(tc.v); n != len(want) {
				t.Fatalf("CompactSizeLen(%#x) = %d, want %d", tc.v, n, len(want))
			}
			v, n, err := ReadCompactSize(append(want, 0xaa)) // trailing byte left alone
			if err != nil || v != tc.v || n != len(want) {
				t.Fatalf("ReadCompactSize = %#x, %d, %v; want %#x, %d", v, n, err, tc.v, len(want))
			}
			for cut := range len(want) {
				if _, _, err := ReadCompactSize(want[:cut]); !errors.Is(err, ErrShortInput) {
					t.Fatalf("cut at %d: err = %v, want ErrShortInput", cut, err)
				}
			}
		})
	}
}

func TestCompactSizeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want error
	}{
		{name: "uint16 below 0xfd", hex: "fdfc00", want: ErrNonCanonical},
		{name: "uint16 zero", hex: "fd0000", want: ErrNonCanonical},
		{name: "uint32 fits uint16", hex: "feffff0000", want: ErrNonCanonical},
		{name: "uint64 fits uint32", hex: "ffffffffff00000000", want: ErrNonCanonical},
		{name: "uint64 small", hex: "ff0100000000000000", want: ErrNonCanonical},
		{name: "above max size", hex: "fe01000002", want: ErrTooLarge},
		{name: "uint64 huge", hex: "ffffffffffffffffff", want: ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadCompactSize(unhex(t, tc.hex))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	var limit *LimitError
	if _, _, err := ReadCompactSize(unhex(t, "fe01000002")); !errors.As(err, &limit) ||
		limit.Value != MaxCompactSize+1 || limit.Max != MaxCompactSize {
		t.Fatalf("want a LimitError with value and max, got %v", err)
	}
}

func TestCompactSizeUnboundedForServices(t *testing.T) {
	// addrv2 reads services without Core's MAX_SIZE bound, canonical still.
	v, n, err := readCompactSizeUnbounded(unhex(t, "ffffffffffffffffff"))
	if err != nil || v != 1<<64-1 || n != 9 {
		t.Fatalf("got %#x, %d, %v", v, n, err)
	}
	if _, _, err := readCompactSizeUnbounded(unhex(t, "fe0a000000")); !errors.Is(err, ErrNonCanonical) {
		t.Fatalf("err = %v, want ErrNonCanonical", err)
	}
}

func FuzzCompactSize(f *testing.F) {
	for _, seed := range []string{"00", "fc", "fdfd00", "fdfc00", "fe00000100", "feffff0000",
		"fe00000002", "fe01000002", "ff0000000001000000", "ffffffffffffffffff", ""} {
		f.Add(unhex(f, seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := readCompactSizeUnbounded(b)
		if err != nil {
			return
		}
		enc := AppendCompactSize(nil, v)
		if string(enc) != string(b[:n]) {
			t.Fatalf("accepted %x as %#x, which encodes as %x", b[:n], v, enc)
		}
		bv, bn, berr := ReadCompactSize(b)
		if (v <= MaxCompactSize) != (berr == nil) || (berr == nil && (bv != v || bn != n)) {
			t.Fatalf("bounded read of %x: %#x, %d, %v", b[:n], bv, bn, berr)
		}
	})
}
