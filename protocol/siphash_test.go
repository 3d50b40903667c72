package protocol

import (
	"encoding/binary"
	"testing"
)

// The SipHash-2-4 reference vectors (Aumasson and Bernstein's vectors.h, as
// Core's hash_tests uses them): key 00..0f, message 00..n-1.
func TestSipHash24Vectors(t *testing.T) {
	var key [16]byte
	for i := range key {
		key[i] = byte(i)
	}
	k0, k1 := binary.LittleEndian.Uint64(key[:]), binary.LittleEndian.Uint64(key[8:])
	msg := make([]byte, 16)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, tc := range []struct {
		n    int
		want uint64
	}{
		{n: 0, want: 0x726fdb47dd0e0e31},
		{n: 1, want: 0x74f839c593dc67fd},
		{n: 7, want: 0xab0200f58b01d137}, // one short of a block
		{n: 8, want: 0x93f5f5799a932462},
		{n: 15, want: 0xa129ca6149be45e5},
		{n: 16, want: 0x3f2acc7f57c29bdb},
	} {
		if got := SipHash24(k0, k1, msg[:tc.n]); got != tc.want {
			t.Errorf("SipHash24 of %d bytes = %#x, want %#x", tc.n, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { _ = SipHash24(k0, k1, msg) }); n != 0 {
		t.Errorf("SipHash24: %v allocs", n)
	}
}

// The short id keys are the first 16 bytes of SHA-256(header || nonce), and
// a short id is 48 bits of SipHash-2-4 of the wtxid under them.
func TestCmpctBlockShortIDs(t *testing.T) {
	m := &MsgCmpctBlock{Header: mainnetGenesisHeader(t), Nonce: 42}
	k0, k1 := m.ShortIDKeys()
	buf := binary.LittleEndian.AppendUint64(appendBlockHeader(nil, &m.Header), 42)
	sum := sha256Sum(buf)
	if k0 != binary.LittleEndian.Uint64(sum[:8]) || k1 != binary.LittleEndian.Uint64(sum[8:16]) {
		t.Fatalf("keys %#x %#x from %x", k0, k1, sum)
	}
	wtxid := testWitnessTx(t).WitnessHash()
	id := m.ShortID(wtxid)
	if id != SipHash24(k0, k1, wtxid[:])&0xffffffffffff || id>>48 != 0 {
		t.Fatalf("short id %#x", id)
	}
	// A different nonce gives different keys.
	if k0b, _ := (&MsgCmpctBlock{Header: m.Header, Nonce: 43}).ShortIDKeys(); k0b == k0 {
		t.Fatal("nonce does not key the short ids")
	}
	// Encoding drops the top 16 bits of a short id.
	m.ShortIDs = []uint64{0xffff_a1a2a3a4a5a6}
	var back MsgCmpctBlock
	if err := back.DecodePayload(m.AppendPayload(nil, 0), 0); err != nil || back.ShortIDs[0] != 0xa1a2a3a4a5a6 {
		t.Fatalf("short id round trip: %+v, %v", back.ShortIDs, err)
	}
}
