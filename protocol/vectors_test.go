package protocol

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// vectorField matches a "# key: value" line of a vector file.
var vectorField = regexp.MustCompile(`^#\s*([a-z_]+):\s*(\S.*)$`)

// readVector reads testdata/name: hex on each line up to a "#" comment, and
// the "# key: value" lines as fields.
func readVector(t testing.TB, name string) ([]byte, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	var hex strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := vectorField.FindStringSubmatch(line); m != nil {
			fields[m[1]] = strings.TrimSpace(m[2])
			continue
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		hex.WriteString(line)
	}
	return unhex(t, hex.String()), fields
}

func TestGenesisBlockVectors(t *testing.T) {
	for _, tc := range []struct{ file, network string }{
		{file: "genesis-mainnet.txt", network: NameMainnet},
		{file: "genesis-testnet3.txt", network: NameTestnet3},
	} {
		t.Run(tc.network, func(t *testing.T) {
			raw, fields := readVector(t, tc.file)
			msg, err := Decode(CmdBlock, raw, ProtocolVersion)
			if err != nil {
				t.Fatal(err)
			}
			block := msg.(*MsgBlock)
			if got := block.BlockHash().String(); got != fields["block_hash"] {
				t.Fatalf("block hash %s, want %s", got, fields["block_hash"])
			}
			if len(block.Transactions) != 1 {
				t.Fatalf("%d transactions", len(block.Transactions))
			}
			txid := block.Transactions[0].TxHash()
			if txid.String() != fields["merkle_root"] || block.Header.MerkleRoot != txid {
				t.Fatalf("coinbase txid %s, header merkle root %s, want %s", txid, block.Header.MerkleRoot,
					fields["merkle_root"])
			}
			if got := block.AppendPayload(nil, ProtocolVersion); !bytes.Equal(got, raw) {
				t.Fatalf("re-encoded:\n%x\nwant\n%x", got, raw)
			}
			params, err := Network(tc.network)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(params.GenesisBlock, raw) || params.GenesisHash != block.BlockHash() {
				t.Fatal("Params disagree with the vector")
			}
		})
	}
}

func TestSegwitTxVector(t *testing.T) {
	raw, fields := readVector(t, "segwit-tx.txt")
	msg, err := Decode(CmdTx, raw, ProtocolVersion)
	if err != nil {
		t.Fatal(err)
	}
	tx := msg.(*MsgTx)
	if !tx.HasWitness() || len(tx.TxIn) != 2 || len(tx.TxOut) != 2 {
		t.Fatalf("decoded %+v", tx)
	}
	if got := tx.TxHash().String(); got != fields["txid"] {
		t.Fatalf("txid %s, want %s", got, fields["txid"])
	}
	if got := tx.WitnessHash().String(); got != fields["wtxid"] {
		t.Fatalf("wtxid %s, want %s", got, fields["wtxid"])
	}
	if got := tx.AppendPayload(nil, ProtocolVersion); !bytes.Equal(got, raw) {
		t.Fatalf("re-encoded:\n%x\nwant\n%x", got, raw)
	}
	if tx.SerializeSize() != len(raw) {
		t.Fatalf("SerializeSize %d, want %d", tx.SerializeSize(), len(raw))
	}
}

func TestCoreVersionVector(t *testing.T) {
	frame, fields := readVector(t, "version-core-0.9.3.txt")
	h, err := ParseHeader(frame)
	if err != nil {
		t.Fatal(err)
	}
	params, err := Network(NameMainnet)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Check(params.Magic); err != nil || h.CommandName() != fields["command"] {
		t.Fatalf("header %+v: %v", h, err)
	}
	payload := frame[HeaderSize:]
	if int(h.Length) != len(payload) || h.VerifyChecksum(payload) != nil {
		t.Fatalf("length %d of %d, checksum %v", h.Length, len(payload), h.VerifyChecksum(payload))
	}
	msg, err := Decode(h.CommandName(), payload, ProtocolVersion)
	if err != nil {
		t.Fatal(err)
	}
	want := &MsgVersion{
		ProtocolVersion: 70002,
		Services:        SFNodeNetwork,
		Timestamp:       1415483324,
		AddrRecv:        NetAddress{Services: SFNodeNetwork, Addr: netip.MustParseAddr("198.27.100.9"), Port: 8333},
		AddrFrom:        NetAddress{Services: SFNodeNetwork, Addr: netip.MustParseAddr("203.0.113.192"), Port: 8333},
		Nonce:           0xf85379c9cb358012,
		UserAgent:       "/Satoshi:0.9.3/",
		StartHeight:     329167,
		Relay:           true,
	}
	if !reflect.DeepEqual(msg, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", msg, want)
	}
	if got := AppendFrame(nil, params.Magic, msg, ProtocolVersion); !bytes.Equal(got, frame) {
		t.Fatalf("re-framed:\n%x\nwant\n%x", got, frame)
	}
}
