package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// unhex decodes hex written with optional spaces and newlines between fields.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// hashOf returns the Hash whose display form (as String prints it) is s.
func hashOf(t testing.TB, s string) Hash {
	t.Helper()
	h, err := NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Hashes used by several tests, in display order.
const (
	mainnetGenesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	regtestGenesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
	genesisMerkle  = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
	// mainnetGenesisWire is mainnetGenesis in wire (reversed) order.
	mainnetGenesisWire = "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
	// genesisMerkleWire is genesisMerkle in wire order.
	genesisMerkleWire = "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a"
)

// Genesis block headers, 80 bytes each, in wire order.
const (
	mainnetGenesisHeaderHex = "01000000" + // version 1
		"0000000000000000000000000000000000000000000000000000000000000000" + // prev block
		"3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a" + // merkle root
		"29ab5f49" + // time 1231006505
		"ffff001d" + // bits 0x1d00ffff
		"1dac2b7c" // nonce 2083236893
	regtestGenesisHeaderHex = "01000000" +
		"0000000000000000000000000000000000000000000000000000000000000000" +
		"3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a" +
		"dae5494d" + // time 1296688602
		"ffff7f20" + // bits 0x207fffff
		"02000000" // nonce 2
)

func mainnetGenesisHeader(t testing.TB) BlockHeader {
	return BlockHeader{
		Version:    1,
		MerkleRoot: hashOf(t, genesisMerkle),
		Timestamp:  1231006505,
		Bits:       0x1d00ffff,
		Nonce:      2083236893,
	}
}

// sha256Sum is a single SHA-256, for checking derived keys.
func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
