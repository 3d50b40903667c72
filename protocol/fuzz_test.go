package protocol

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// Decoder families, each fuzzed by its own target so a run spends its time
// on one kind of layout.
var (
	fuzzTxFamily      = []string{CmdTx, CmdBlock, CmdBlockTxn, CmdCmpctBlock}
	fuzzAddrFamily    = []string{CmdVersion, CmdAddr, CmdAddrV2}
	fuzzListFamily    = []string{CmdInv, CmdGetData, CmdNotFound, CmdGetHeaders, CmdGetBlocks, CmdHeaders, CmdGetBlockTxn}
	fuzzFilterFamily  = []string{CmdFilterLoad, CmdFilterAdd, CmdMerkleBlock, CmdGetCFilters, CmdCFilter, CmdGetCFHeaders, CmdCFHeaders, CmdGetCFCheckpt, CmdCFCheckpt}
	fuzzSmallFamily   = []string{CmdVerack, CmdPing, CmdPong, CmdGetAddr, CmdSendAddrV2, CmdWtxidRelay, CmdSendHeaders, CmdFeeFilter, CmdSendCmpct, CmdMempool, CmdFilterClear, CmdReject, CmdAlert}
	fuzzFamilyByIndex = [][]string{fuzzTxFamily, fuzzAddrFamily, fuzzListFamily, fuzzFilterFamily, fuzzSmallFamily}
)

// checkDecode decodes payload as cmd: it must not panic, must fail with a
// DecodeError naming the command, or decode to a message whose encoding
// decodes to the same message and encodes to the same bytes.
func checkDecode(t *testing.T, cmd string, payload []byte) {
	msg, err := Decode(cmd, payload, ProtocolVersion)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) || de.Command != cmd {
			t.Fatalf("error %v does not name %q", err, cmd)
		}
		return
	}
	if msg.Command() != cmd {
		t.Fatalf("decoded %q as %q", cmd, msg.Command())
	}
	enc := msg.AppendPayload(nil, ProtocolVersion)
	again, err := Decode(cmd, enc, ProtocolVersion)
	if err != nil {
		t.Fatalf("re-decode of %x: %v", enc, err)
	}
	if !reflect.DeepEqual(msg, again) {
		t.Fatalf("unstable:\nfirst  %+v\nsecond %+v", msg, again)
	}
	if enc2 := again.AppendPayload(nil, ProtocolVersion); string(enc2) != string(enc) {
		t.Fatalf("re-encode differs:\n%x\n%x", enc, enc2)
	}
}

// FuzzDecode decodes any payload as any command (checkDecode).
func FuzzDecode(f *testing.F) {
	for _, tc := range codecCases(f) {
		f.Add(tc.msg.Command(), unhex(f, tc.hex))
	}
	for _, v := range fuzzVectors(f) {
		f.Add(v.cmd, v.payload)
	}
	f.Add(CmdAddrV2, unhex(f, "0300000000000304abcdef208d"+"00000000"+"00"+"01"+"04"+"01020304"+"208d"))
	f.Add(CmdHeaders, unhex(f, "01"+mainnetGenesisHeaderHex+"fd0000"))
	f.Add(CmdInv, unhex(f, "fe00000002"))
	f.Fuzz(checkDecode)
}

// fuzzFamily seeds and runs a target for one decoder family: the selector
// byte picks the command.
func fuzzFamily(f *testing.F, family []string) {
	for _, tc := range codecCases(f) {
		if i := slices.Index(family, tc.msg.Command()); i >= 0 {
			f.Add(uint8(i), unhex(f, tc.hex))
		}
	}
	for _, v := range fuzzVectors(f) {
		if i := slices.Index(family, v.cmd); i >= 0 {
			f.Add(uint8(i), v.payload)
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, payload []byte) {
		checkDecode(t, family[int(sel)%len(family)], payload)
	})
}

// FuzzDecodeTx fuzzes the transaction decoders: tx, block, blocktxn and
// cmpctblock.
func FuzzDecodeTx(f *testing.F) { fuzzFamily(f, fuzzTxFamily) }

// FuzzDecodeAddr fuzzes version, addr and addrv2.
func FuzzDecodeAddr(f *testing.F) { fuzzFamily(f, fuzzAddrFamily) }

// FuzzDecodeList fuzzes the hash and header lists.
func FuzzDecodeList(f *testing.F) { fuzzFamily(f, fuzzListFamily) }

// FuzzDecodeFilter fuzzes the BIP37 and BIP157 messages.
func FuzzDecodeFilter(f *testing.F) { fuzzFamily(f, fuzzFilterFamily) }

// FuzzDecodeSmall fuzzes the fixed-size and empty messages.
func FuzzDecodeSmall(f *testing.F) { fuzzFamily(f, fuzzSmallFamily) }

type fuzzVector struct {
	cmd     string
	payload []byte
}

// fuzzVectors are the real-network vectors of testdata/ as payloads.
func fuzzVectors(t testing.TB) []fuzzVector {
	mainnet, _ := readVector(t, "genesis-mainnet.txt")
	testnet, _ := readVector(t, "genesis-testnet3.txt")
	segwit, _ := readVector(t, "segwit-tx.txt")
	version, _ := readVector(t, "version-core-0.9.3.txt")
	return []fuzzVector{
		{cmd: CmdBlock, payload: mainnet},
		{cmd: CmdBlock, payload: testnet},
		{cmd: CmdTx, payload: segwit},
		{cmd: CmdVersion, payload: version[HeaderSize:]},
	}
}

func TestFuzzFamiliesCoverEveryCommand(t *testing.T) {
	var all []string
	for _, fam := range fuzzFamilyByIndex {
		all = append(all, fam...)
	}
	for _, tc := range codecCases(t) {
		if !tc.raw && !slices.Contains(all, tc.msg.Command()) {
			t.Errorf("%s is in no fuzz family", tc.msg.Command())
		}
	}
}

// TestRoundTripProperty runs checkDecode's property (decode, encode and
// decode again to the same message and bytes; or fail with a DecodeError
// naming the command) over random mutations of every codec case: flipped
// bytes, cuts and insertions, from a fixed seed.
func TestRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tc := range codecCases(t) {
		if tc.raw || tc.pver != 0 {
			continue
		}
		base := unhex(t, tc.hex)
		t.Run(tc.name, func(t *testing.T) {
			for range 300 {
				b := slices.Clone(base)
				for range 1 + r.IntN(3) {
					switch op := r.IntN(3); {
					case op == 0 && len(b) > 0:
						b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
					case op == 1 && len(b) > 0:
						b = b[:r.IntN(len(b))]
					default:
						i := r.IntN(len(b) + 1)
						b = slices.Insert(b, i, byte(r.Uint32()))
					}
				}
				checkDecode(t, tc.msg.Command(), b)
			}
		})
	}
}
