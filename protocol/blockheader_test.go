package protocol

import (
	"errors"
	"testing"
)

func TestGenesisBlockHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		hex     string
		want    BlockHeader
	}{
		{name: "mainnet", network: NameMainnet, hex: mainnetGenesisHeaderHex, want: mainnetGenesisHeader(t)},
		{name: "regtest", network: NameRegtest, hex: regtestGenesisHeaderHex, want: BlockHeader{
			Version: 1, MerkleRoot: hashOf(t, genesisMerkle), Timestamp: 1296688602, Bits: 0x207fffff, Nonce: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := unhex(t, tc.hex)
			if len(raw) != BlockHeaderSize {
				t.Fatalf("vector is %d bytes", len(raw))
			}
			var h BlockHeader
			parseBlockHeader(&h, raw)
			if h != tc.want {
				t.Fatalf("parsed %+v, want %+v", h, tc.want)
			}
			if got := appendBlockHeader(nil, &h); string(got) != string(raw) {
				t.Fatalf("encoded %x", got)
			}
			params, err := Network(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.BlockHash(); got != params.GenesisHash {
				t.Fatalf("BlockHash() = %s, want %s", got, params.GenesisHash)
			}
		})
	}
	h := mainnetGenesisHeader(t)
	if allocs := testing.AllocsPerRun(100, func() { _ = h.BlockHash() }); allocs != 0 {
		t.Fatalf("BlockHash: %v allocs", allocs)
	}
}

func TestParseAndAppendBlockHeader(t *testing.T) {
	raw := unhex(t, mainnetGenesisHeaderHex)
	h, err := ParseBlockHeader(append(raw, 0xff)) // bytes past 80 are not read
	if err != nil || h != mainnetGenesisHeader(t) {
		t.Fatalf("ParseBlockHeader: %+v, %v", h, err)
	}
	if got := AppendBlockHeader([]byte{7}, &h); string(got) != "\x07"+string(raw) {
		t.Fatalf("AppendBlockHeader = %x", got)
	}
	for n := range BlockHeaderSize {
		if _, err := ParseBlockHeader(raw[:n]); !errors.Is(err, ErrShortInput) {
			t.Fatalf("%d bytes: %v, want %v", n, err, ErrShortInput)
		}
	}
}
