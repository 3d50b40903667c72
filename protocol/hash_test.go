package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestHashStringRoundTrip(t *testing.T) {
	h := hashOf(t, mainnetGenesis)
	if got := h.String(); got != mainnetGenesis {
		t.Fatalf("String() = %s, want %s", got, mainnetGenesis)
	}
	// Wire order is the reverse of display order.
	if got := Hash(unhex(t, mainnetGenesisWire)); got != h {
		t.Fatalf("wire bytes give %s, want %s", got, h)
	}
	upper, err := NewHashFromStr(strings.ToUpper(mainnetGenesis))
	if err != nil || upper != h {
		t.Fatalf("upper case: %v, %v", upper, err)
	}
}

func TestNewHashFromStrErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "short", in: mainnetGenesis[2:]},
		{name: "long", in: mainnetGenesis + "00"},
		{name: "not hex", in: "zz" + mainnetGenesis[2:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewHashFromStr(tc.in); err == nil {
				t.Fatalf("NewHashFromStr(%q) succeeded", tc.in)
			}
		})
	}
}

func TestDoubleSHA256(t *testing.T) {
	// SHA-256(SHA-256("")), in digest order.
	want := Hash(unhex(t, "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"))
	if got := DoubleSHA256(nil); got != want {
		t.Fatalf("DoubleSHA256(nil) = %x, want %x", got, want)
	}
	if got := Checksum(nil); got != [4]byte{0x5d, 0xf6, 0xe0, 0xe2} {
		t.Fatalf("Checksum(nil) = %x", got)
	}
	if !errors.Is(Header{Checksum: [4]byte{1}}.VerifyChecksum(nil), ErrBadChecksum) {
		t.Fatal("VerifyChecksum accepted a wrong checksum")
	}
	if err := (Header{Checksum: Checksum(nil)}).VerifyChecksum(nil); err != nil {
		t.Fatal(err)
	}
}
