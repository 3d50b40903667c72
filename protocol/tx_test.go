package protocol

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// testTxHex is a transaction without witness: one input, one output.
const testTxHex = "02000000" + // version 2
	"01" + // one input
	"1111111111111111111111111111111111111111111111111111111111111111" + "01000000" + // spends output 1
	"01" + "51" + // script OP_TRUE
	"feffffff" + // sequence
	"01" + // one output
	"e803000000000000" + "01" + "6a" + // 1000 satoshis to OP_RETURN
	"64000000" // lock time 100

func testTx(t testing.TB) *MsgTx {
	return &MsgTx{
		Version: 2,
		TxIn: []TxIn{{PreviousOutPoint: OutPoint{Hash: Hash(unhex(t, hash11)), Index: 1},
			SignatureScript: []byte{0x51}, Sequence: 0xfffffffe}},
		TxOut:    []TxOut{{Value: 1000, PkScript: []byte{0x6a}}},
		LockTime: 100,
	}
}

// testWitnessTxHex is a BIP144 transaction: two inputs, the first with a
// witness of two items (the second empty), the second with none.
const testWitnessTxHex = "02000000" + // version 2
	"0001" + // marker, flag
	"02" + // two inputs
	"2222222222222222222222222222222222222222222222222222222222222222" + "00000000" + "00" + "ffffffff" +
	"1111111111111111111111111111111111111111111111111111111111111111" + "02000000" + "01" + "00" + "ffffffff" +
	"01" + // one output
	"50c3000000000000" + "16" + "0014abababababababababababababababababababab" + // 50000 to P2WPKH
	"02" + "02" + "3044" + "00" + // input 0 witness: 3044, empty
	"00" + // input 1 witness: none
	"00000000" // lock time 0

func testWitnessTx(t testing.TB) *MsgTx {
	return &MsgTx{
		Version: 2,
		TxIn: []TxIn{
			{PreviousOutPoint: OutPoint{Hash: Hash(unhex(t, hash22))}, Witness: [][]byte{{0x30, 0x44}, nil},
				Sequence: 0xffffffff},
			{PreviousOutPoint: OutPoint{Hash: Hash(unhex(t, hash11)), Index: 2}, SignatureScript: []byte{0x00},
				Sequence: 0xffffffff},
		},
		TxOut: []TxOut{{Value: 50000, PkScript: unhex(t, "0014"+strings.Repeat("ab", 20))}},
	}
}

func TestTxSizesAndStripped(t *testing.T) {
	for _, tc := range []struct {
		name string
		tx   *MsgTx
		hex  string
	}{
		{name: "no witness", tx: testTx(t), hex: testTxHex},
		{name: "witness", tx: testWitnessTx(t), hex: testWitnessTxHex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := unhex(t, tc.hex)
			if got := tc.tx.SerializeSize(); got != len(full) {
				t.Fatalf("SerializeSize = %d, want %d", got, len(full))
			}
			stripped := tc.tx.AppendStripped(nil)
			if got := tc.tx.StrippedSize(); got != len(stripped) {
				t.Fatalf("StrippedSize = %d, want %d", got, len(stripped))
			}
			if tc.tx.TxHash() != DoubleSHA256(stripped) || tc.tx.WitnessHash() != DoubleSHA256(full) {
				t.Fatal("TxHash or WitnessHash does not hash the right serialization")
			}
			var back MsgTx
			if err := back.DecodePayload(stripped, ProtocolVersion); err != nil {
				t.Fatal(err)
			}
			if back.HasWitness() || back.TxHash() != tc.tx.TxHash() {
				t.Fatalf("stripped form decodes to %+v", back)
			}
		})
	}
	if testTx(t).TxHash() != testTx(t).WitnessHash() {
		t.Fatal("without witness, txid and wtxid must agree")
	}
}

// Decoding takes a fixed number of allocations, however many inputs,
// outputs and scripts: the copy of the bytes and one array per entry kind,
// or a single block for a small transaction.
func TestTxDecodeAllocations(t *testing.T) {
	tx := unhex(t, testWitnessTxHex)
	var m MsgTx
	if n := testing.AllocsPerRun(50, func() {
		if err := m.DecodePayload(tx, ProtocolVersion); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("MsgTx decode of a small tx: %v allocs, want 1", n)
	}
	big := testWitnessTx(t)
	big.TxIn = append(big.TxIn, big.TxIn...)
	bigTx := big.AppendPayload(nil, ProtocolVersion)
	if n := testing.AllocsPerRun(50, func() {
		if err := m.DecodePayload(bigTx, ProtocolVersion); err != nil {
			t.Fatal(err)
		}
	}); n > 4 {
		t.Errorf("MsgTx decode: %v allocs, want at most 4", n)
	}
	block := (&MsgBlock{Header: mainnetGenesisHeader(t),
		Transactions: []MsgTx{*testTx(t), *testWitnessTx(t), *testTx(t)}}).AppendPayload(nil, ProtocolVersion)
	var b MsgBlock
	if n := testing.AllocsPerRun(50, func() {
		if err := b.DecodePayload(block, ProtocolVersion); err != nil {
			t.Fatal(err)
		}
	}); n > 5 {
		t.Errorf("MsgBlock decode: %v allocs, want at most 5", n)
	}
	small := testWitnessTx(t)
	if n := testing.AllocsPerRun(50, func() { _, _ = small.TxHash(), small.WitnessHash() }); n != 0 {
		t.Errorf("TxHash+WitnessHash of a small tx: %v allocs, want 0", n)
	}
}

// Scripts point into one private copy of the input: changing the input
// after decoding changes nothing, and appending to a script does not
// overwrite its neighbour.
func TestTxDecodeOwnsItsBytes(t *testing.T) {
	in := unhex(t, testWitnessTxHex)
	var m MsgTx
	if err := m.DecodePayload(in, ProtocolVersion); err != nil {
		t.Fatal(err)
	}
	clear(in)
	want := testWitnessTx(t)
	_ = append(m.TxIn[1].SignatureScript, 0xff, 0xff, 0xff)
	_ = append(m.TxIn[0].Witness[0], 0xff, 0xff, 0xff)
	if m.TxHash() != want.TxHash() || m.WitnessHash() != want.WitnessHash() {
		t.Fatalf("decoded tx changed: %+v", m)
	}
}

// A failed decode leaves an empty message, never a half-filled one.
func TestTxDecodeFailureResets(t *testing.T) {
	m := *testTx(t)
	err := m.DecodePayload(unhex(t, testTxHex[:20]), ProtocolVersion)
	if !errors.Is(err, ErrShortInput) || m.TxIn != nil || m.Version != 0 {
		t.Fatalf("after failure: %+v, %v", m, err)
	}
}

// Valid payloads packed with the smallest entries still allocate in
// proportion to their size: at most 32 bytes per input byte (an empty
// witness item is one byte on the wire and a 24-byte slice in memory, as in
// Core), never a fixed block per tiny entry.
func TestDecodeAllocationProportional(t *testing.T) {
	emptyTx := "01000000" + "00" + "00" + "00000000"
	const n = 20000
	manyEmptyWitnessItems := "02000000" + "0001" + "01" + hash11 + "00000000" + "00" + "ffffffff" + "00" +
		"fd204e" + strings.Repeat("00", n) + "00000000"
	prefilled := mainnetGenesisHeaderHex + "0000000000000000" + "00" + "fd204e" + strings.Repeat("00"+emptyTx, n)
	for _, tc := range []struct{ name, cmd, hex string }{
		{name: "block of empty txs", cmd: CmdBlock, hex: mainnetGenesisHeaderHex + "fd204e" + strings.Repeat(emptyTx, n)},
		{name: "empty witness items", cmd: CmdTx, hex: manyEmptyWitnessItems},
		{name: "cmpctblock of tiny prefilled txs", cmd: CmdCmpctBlock, hex: prefilled},
		{name: "blocktxn of empty txs", cmd: CmdBlockTxn, hex: hash11 + "fd204e" + strings.Repeat(emptyTx, n)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := unhex(t, tc.hex)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := Decode(tc.cmd, payload, ProtocolVersion); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > 32*uint64(len(payload))+4096 {
				t.Fatalf("%d bytes allocated for a %d-byte payload", got, len(payload))
			}
		})
	}
}
