package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/big"
	"slices"
	"testing"
)

func TestNetworks(t *testing.T) {
	for _, tc := range []struct {
		names   []string
		start   string // message start bytes, hex
		port    uint16
		genesis string
		seeds   bool
	}{
		{names: []string{"mainnet", "main"}, start: "f9beb4d9", port: 8333, seeds: true,
			genesis: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{names: []string{"testnet3", "testnet"}, start: "0b110907", port: 18333, seeds: true,
			genesis: "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
		{names: []string{"testnet4"}, start: "1c163f28", port: 48333, seeds: true,
			genesis: "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
		{names: []string{"signet"}, start: "0a03cf40", port: 38333, seeds: true,
			genesis: "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
		{names: []string{"regtest"}, start: "fabfb5da", port: 18444, seeds: false,
			genesis: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
	} {
		t.Run(tc.names[0], func(t *testing.T) {
			for _, name := range tc.names {
				p, err := Network(name)
				if err != nil {
					t.Fatal(err)
				}
				if p.Name != tc.names[0] {
					t.Errorf("Network(%q).Name = %q", name, p.Name)
				}
				if want := binary.LittleEndian.Uint32(unhex(t, tc.start)); p.Magic != want {
					t.Errorf("magic %#x, want %#x", p.Magic, want)
				}
				if p.DefaultPort != tc.port {
					t.Errorf("port %d, want %d", p.DefaultPort, tc.port)
				}
				if p.GenesisHash.String() != tc.genesis {
					t.Errorf("genesis %s, want %s", p.GenesisHash, tc.genesis)
				}
				if (len(p.DNSSeeds) > 0) != tc.seeds || (len(p.FixedSeeds) > 0) != tc.seeds {
					t.Errorf("seeds: %d DNS, %d fixed", len(p.DNSSeeds), len(p.FixedSeeds))
				}
				for _, s := range p.FixedSeeds {
					if !s.Addr().Is4() || s.Port() != tc.port {
						t.Errorf("fixed seed %s", s)
					}
				}
			}
			if !slices.Contains(NetworkNames(), tc.names[0]) {
				t.Errorf("NetworkNames() lacks %s", tc.names[0])
			}
		})
	}
}

func TestNetworkReturnsFreshCopies(t *testing.T) {
	a, _ := Network(NameMainnet)
	a.DNSSeeds[0] = "evil.example"
	a.FixedSeeds = a.FixedSeeds[:0]
	a.GenesisBlock[0] = 0xff
	a.MinimumChainWork.SetInt64(1)
	NetworkNames()[0] = "changed"
	b, _ := Network(NameMainnet)
	if b.DNSSeeds[0] == "evil.example" || len(b.FixedSeeds) == 0 || NetworkNames()[0] != NameMainnet {
		t.Fatal("Network shares state between calls")
	}
	if b.GenesisBlock[0] != 1 || b.MinimumChainWork.Cmp(big.NewInt(1)) == 0 {
		t.Fatal("Network shares the genesis block or minimum chain work between calls")
	}
}

// Core's coinbase input script of the shared genesis coinbase, from the
// comment above CreateGenesisBlock in its chainparams.cpp: push 0x1d00ffff,
// push 0x04, push the 69-byte headline.
const satoshiScriptSigHex = "04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73"

func TestGenesisBlocks(t *testing.T) {
	satoshiScript := "41" + satoshiOutputKey + "ac"
	for _, tc := range []struct {
		network string
		// Core's asserts in chainparams.cpp.
		merkle string
		// header fields given to CreateGenesisBlock.
		time, nonce, bits uint32
		text              string
		script            string // output script, hex
		minWork           string // nMinimumChainWork, hex
	}{
		{network: NameMainnet, merkle: genesisMerkle, time: 1231006505, nonce: 2083236893, bits: 0x1d00ffff,
			text: satoshiCoinbaseText, script: satoshiScript,
			minWork: "0000000000000000000000000000000000000001128750f82f4c366153a3a030"},
		{network: NameTestnet3, merkle: genesisMerkle, time: 1296688602, nonce: 414098458, bits: 0x1d00ffff,
			text: satoshiCoinbaseText, script: satoshiScript,
			minWork: "0000000000000000000000000000000000000000000017dde1c649f3708d14b6"},
		{network: NameTestnet4, merkle: "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e",
			time: 1714777860, nonce: 393743547, bits: 0x1d00ffff,
			text:    "03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e",
			script:  "21" + "000000000000000000000000000000000000000000000000000000000000000000" + "ac",
			minWork: "0000000000000000000000000000000000000000000009a0fe15d0177d086304"},
		{network: NameSignet, merkle: genesisMerkle, time: 1598918400, nonce: 52613770, bits: 0x1e0377ae,
			text: satoshiCoinbaseText, script: satoshiScript,
			minWork: "00000000000000000000000000000000000000000000000000000b463ea0a4b8"},
		{network: NameRegtest, merkle: genesisMerkle, time: 1296688602, nonce: 2, bits: 0x207fffff,
			text: satoshiCoinbaseText, script: satoshiScript,
			minWork: "0000000000000000000000000000000000000000000000000000000000000000"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			p, err := Network(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			block := p.GenesisBlock
			if len(block) < BlockHeaderSize+1 {
				t.Fatalf("genesis block is %d bytes", len(block))
			}
			if got := DoubleSHA256(block[:BlockHeaderSize]); got != p.GenesisHash {
				t.Fatalf("header hashes to %s, want %s", got, p.GenesisHash)
			}
			h, err := p.GenesisHeader()
			if err != nil {
				t.Fatal(err)
			}
			want := BlockHeader{Version: 1, MerkleRoot: hashOf(t, tc.merkle), Timestamp: tc.time, Bits: tc.bits, Nonce: tc.nonce}
			if h != want {
				t.Fatalf("header %+v, want %+v", h, want)
			}
			if block[BlockHeaderSize] != 1 {
				t.Fatalf("transaction count byte %#x, want 1", block[BlockHeaderSize])
			}
			tx := block[BlockHeaderSize+1:]
			if got := DoubleSHA256(tx); got != h.MerkleRoot {
				t.Fatalf("coinbase hashes to %s, header's merkle root is %s", got, h.MerkleRoot)
			}
			cb := parseCoinbase(t, tx)
			if !bytes.HasSuffix(cb.scriptSig, []byte(tc.text)) {
				t.Errorf("coinbase script %x does not end with %q", cb.scriptSig, tc.text)
			}
			if tc.text == satoshiCoinbaseText && !bytes.Equal(cb.scriptSig, unhex(t, satoshiScriptSigHex)) {
				t.Errorf("coinbase script %x, want Core's %s", cb.scriptSig, satoshiScriptSigHex)
			}
			if cb.value != 50*100_000_000 {
				t.Errorf("output value %d, want 50 BTC", cb.value)
			}
			if !bytes.Equal(cb.scriptPubKey, unhex(t, tc.script)) {
				t.Errorf("output script %x, want %s", cb.scriptPubKey, tc.script)
			}
			if p.MinimumChainWork == nil || p.MinimumChainWork.Cmp(mustWork(tc.minWork)) != 0 {
				t.Errorf("minimum chain work %x, want %s", p.MinimumChainWork, tc.minWork)
			}
		})
	}
}

// coinbase is what parseCoinbase found in a genesis transaction.
type coinbase struct {
	scriptSig, scriptPubKey []byte
	value                   uint64
}

// parseCoinbase parses tx as a transaction without witness of one input
// spending the null outpoint and one output, and fails the test unless tx
// is exactly that, with no byte left over.
func parseCoinbase(t *testing.T, tx []byte) coinbase {
	t.Helper()
	var cb coinbase
	r := newReader(CmdTx, tx)
	if v := r.u32("version"); v != 1 {
		t.Errorf("version %d", v)
	}
	if n := r.compactSize("inputs"); n != 1 {
		t.Fatalf("%d inputs (%v)", n, r.err)
	}
	if prev := r.hash("prevout_hash"); !prev.IsZero() {
		t.Errorf("prevout hash %s, want null", prev)
	}
	if idx := r.u32("prevout_index"); idx != 0xffffffff {
		t.Errorf("prevout index %#x, want null", idx)
	}
	cb.scriptSig = r.take("script_sig", int(r.compactSize("script_sig_len")))
	if seq := r.u32("sequence"); seq != 0xffffffff {
		t.Errorf("sequence %#x, want final", seq)
	}
	if n := r.compactSize("outputs"); n != 1 {
		t.Fatalf("%d outputs (%v)", n, r.err)
	}
	cb.value = r.u64("value")
	cb.scriptPubKey = r.take("script_pubkey", int(r.compactSize("script_pubkey_len")))
	if lock := r.u32("lock_time"); lock != 0 {
		t.Errorf("lock time %d", lock)
	}
	if err := r.finish(); err != nil {
		t.Fatal(err)
	}
	if !r.empty() {
		t.Fatalf("%d bytes after the coinbase transaction", len(r.b))
	}
	return cb
}

func TestGenesisHeaderShort(t *testing.T) {
	if _, err := (Params{Name: "custom"}).GenesisHeader(); !errors.Is(err, ErrShortInput) {
		t.Fatalf("err = %v, want ErrShortInput", err)
	}
}

func TestNetworkUnknown(t *testing.T) {
	if _, err := Network("litecoin"); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("err = %v", err)
	}
}
