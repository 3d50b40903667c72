package wirediff

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/actornode/actornode/protocol"
	"github.com/btcsuite/btcd/wire/v2"
)

// checkBothWays is the differential property for one message: btcd decodes
// our bytes and encodes them back unchanged; btcd encodes our values (field
// by field) to our bytes; we decode btcd's bytes to our values.
func checkBothWays(t *testing.T, msg protocol.Message) {
	t.Helper()
	cmd := msg.Command()
	ours := msg.AppendPayload(nil, pver)
	bm, err := btcdDecode(cmd, ours)
	if err != nil {
		t.Fatalf("%s: btcd cannot decode our %d bytes: %v", cmd, len(ours), err)
	}
	theirs := btcdEncode(t, bm)
	if !bytes.Equal(theirs, ours) {
		t.Fatalf("%s: btcd re-encodes our bytes differently:\nours  %.200x\nbtcd  %.200x", cmd, ours, theirs)
	}
	if conv := toBtcd(msg); conv != nil {
		if got := btcdEncode(t, conv); !bytes.Equal(got, ours) {
			t.Fatalf("%s: btcd encodes our values differently:\nours  %.200x\nbtcd  %.200x", cmd, ours, got)
		}
	}
	back, err := protocol.Decode(cmd, theirs, pver)
	if err != nil {
		t.Fatalf("%s: we cannot decode btcd's bytes: %v", cmd, err)
	}
	if !reflect.DeepEqual(back, msg) {
		t.Fatalf("%s: decoded btcd's bytes to\n%+v\nwant\n%+v", cmd, back, msg)
	}
	checkHashes(t, back, bm)
}

// checkHashes compares the hashes both packages compute for the same tx or
// block (independent SHA-256 plumbing).
func checkHashes(t *testing.T, ours protocol.Message, theirs wire.Message) {
	t.Helper()
	switch m := ours.(type) {
	case *protocol.MsgTx:
		b := theirs.(*wire.MsgTx)
		if m.TxHash() != protocol.Hash(b.TxHash()) || m.WitnessHash() != protocol.Hash(b.WitnessHash()) {
			t.Fatalf("tx hashes: ours %s %s, btcd %s %s", m.TxHash(), m.WitnessHash(), b.TxHash(), b.WitnessHash())
		}
	case *protocol.MsgBlock:
		b := theirs.(*wire.MsgBlock)
		if m.BlockHash() != protocol.Hash(b.BlockHash()) {
			t.Fatalf("block hash: ours %s, btcd %s", m.BlockHash(), b.BlockHash())
		}
		for i := range m.Transactions {
			if m.Transactions[i].TxHash() != protocol.Hash(b.Transactions[i].TxHash()) {
				t.Fatalf("tx %d hash differs", i)
			}
		}
	}
}

func TestDifferentialCorpus(t *testing.T) {
	seen := map[string]bool{}
	for _, msg := range corpus(t) {
		seen[msg.Command()] = true
		checkBothWays(t, msg)
	}
	for _, cmd := range sharedCommands {
		if !seen[cmd] {
			t.Errorf("corpus has no %s", cmd)
		}
	}
}

func TestDifferentialBenchMessages(t *testing.T) {
	for _, bm := range benchMessages(t) {
		t.Run(bm.name, func(t *testing.T) { checkBothWays(t, bm.msg) })
	}
}

// The vectors of protocol/testdata decode the same with btcd.
func TestDifferentialVectors(t *testing.T) {
	for _, v := range []struct{ file, cmd string }{
		{file: "genesis-mainnet.txt", cmd: protocol.CmdBlock},
		{file: "genesis-testnet3.txt", cmd: protocol.CmdBlock},
		{file: "segwit-tx.txt", cmd: protocol.CmdTx},
	} {
		t.Run(v.file, func(t *testing.T) {
			raw, _ := readVector(t, v.file)
			msg, err := protocol.Decode(v.cmd, raw, pver)
			if err != nil {
				t.Fatal(err)
			}
			checkBothWays(t, msg)
		})
	}
	frame, _ := readVector(t, "version-core-0.9.3.txt")
	msg, err := protocol.Decode(protocol.CmdVersion, frame[protocol.HeaderSize:], pver)
	if err != nil {
		t.Fatal(err)
	}
	checkBothWays(t, msg)
	// The whole frame, header included, as btcd reads it off the wire.
	bm, raw, err := wire.ReadMessage(bytes.NewReader(frame), pver, wire.MainNet)
	if err != nil || !bytes.Equal(raw, frame[protocol.HeaderSize:]) || bm.Command() != protocol.CmdVersion {
		t.Fatalf("btcd ReadMessage: %v", err)
	}
}

// Where btcd and Core disagree, protocol sides with Core: each case here is
// a payload the two decoders treat differently on purpose.
func TestKnownDifferences(t *testing.T) {
	hdr := bytes.Repeat([]byte{1}, protocol.BlockHeaderSize)
	for _, tc := range []struct {
		name    string
		cmd     string
		payload []byte
		oursOK  bool
		// bothOK: both decode, to different values.
		bothOK bool
	}{
		{name: "headers tx count 1 (Core ignores it)", cmd: protocol.CmdHeaders,
			payload: append(append([]byte{1}, hdr...), 1), oursOK: true},
		{name: "getheaders 102 locators (Core: at most 101)", cmd: protocol.CmdGetHeaders,
			payload: append(append([]byte{0, 0, 0, 0, 102}, make([]byte, 102*32)...), make([]byte, 32)...)},
		{name: "tx empty with zero flag (Core: an empty tx)", cmd: protocol.CmdTx,
			payload: []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, oursOK: true},
		{name: "block holding an empty tx", cmd: protocol.CmdBlock,
			payload: append(append(hdr[:protocol.BlockHeaderSize:protocol.BlockHeaderSize], 1), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			oursOK:  true},
		{name: "addrv2 I2P entry (btcd drops it)", cmd: protocol.CmdAddrV2,
			payload: append(append([]byte{1, 0, 0, 0, 0, 0, 5, 32}, make([]byte, 32)...), 0, 0), oursOK: true,
			bothOK: true},
		{name: "addrv2 CJDNS entry (btcd drops it)", cmd: protocol.CmdAddrV2,
			payload: append(append([]byte{1, 0, 0, 0, 0, 0, 6, 16, 0xfc}, make([]byte, 15)...), 0, 0), oursOK: true,
			bothOK: true},
		{name: "addrv2 Tor v2 entry of 3 bytes (Core drops it, btcd fails)", cmd: protocol.CmdAddrV2,
			payload: []byte{1, 0, 0, 0, 0, 0, 3, 3, 0xab, 0xcd, 0xef, 0, 0}, oursOK: true},
		{name: "addrv2 Tor v2 entry (Core drops it)", cmd: protocol.CmdAddrV2,
			payload: append(append([]byte{1, 0, 0, 0, 0, 0, 3, 10}, make([]byte, 10)...), 0, 0), oursOK: true,
			bothOK: true},
		{name: "version with addr_from and no nonce (Core reads them together)", cmd: protocol.CmdVersion,
			payload: make([]byte, 46+protocol.NetAddressSize)},
		{name: "reject reason of 112 bytes (Core: at most 111)", cmd: protocol.CmdReject,
			payload: append([]byte{1, 'x', 1, 112}, make([]byte, 112)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, ourErr := protocol.Decode(tc.cmd, tc.payload, pver)
			theirs, btcdErr := btcdDecode(tc.cmd, tc.payload)
			if (ourErr == nil) != tc.oursOK || ((btcdErr == nil) == (ourErr == nil)) != tc.bothOK {
				t.Fatalf("ours: %v, %v; btcd: %v", ours, ourErr, btcdErr)
			}
			if tc.bothOK && bytes.Equal(ours.AppendPayload(nil, pver), btcdEncode(t, theirs)) {
				t.Fatal("both decode to the same thing")
			}
			if reason := knownDifference(tc.cmd, tc.payload, ours, ourErr, theirs, btcdErr); reason == "" {
				t.Fatal("knownDifference does not recognise this case")
			}
		})
	}
}

// knownDifference names the documented reason (see doc.go) why btcd and we
// may decode payload differently, or returns "" when nothing excuses a
// difference. Each rule is as narrow as the difference it names.
func knownDifference(cmd string, payload []byte, ours protocol.Message, ourErr error, theirs wire.Message,
	btcdErr error) string {
	var limit *protocol.LimitError
	switch {
	case btcdErr == nil && errors.As(ourErr, &limit) && limit.Max == protocol.MaxCompactSize:
		return "CompactSize over Core's MAX_SIZE, which btcd does not check"
	case btcdErr == nil && errors.Is(ourErr, protocol.ErrTooMany) &&
		(cmd == protocol.CmdGetHeaders || cmd == protocol.CmdGetBlocks):
		return "locator over Core's 101 hashes (btcd: 500)"
	case btcdErr == nil && errors.Is(ourErr, protocol.ErrTooLarge) && cmd == protocol.CmdReject:
		return "reject command or reason over Core's 12 and 111 bytes (btcd: no limit)"
	}
	switch cmd {
	case protocol.CmdHeaders:
		if ourErr == nil && btcdErr != nil {
			enc := ours.AppendPayload(nil, pver)
			if !bytes.Equal(enc, payload[:min(len(payload), len(enc))]) {
				return "non-zero tx count after a header (Core ignores it)"
			}
		}
	case protocol.CmdTx, protocol.CmdBlock:
		if ourErr == nil && btcdErr != nil && hasEmptyTx(ours) {
			return "empty transaction: zero input count and zero flag (Core reads no outputs)"
		}
	case protocol.CmdVersion:
		// addr_from present, nonce absent: btcd stops there, Core reads
		// the two together.
		if btcdErr == nil && errors.Is(ourErr, protocol.ErrShortInput) && len(payload) == 46+protocol.NetAddressSize {
			return "version with addr_from but no nonce"
		}
	case protocol.CmdAddrV2:
		if ourErr == nil && btcdErr == nil &&
			len(ours.(*protocol.MsgAddrV2).AddrList) != len(theirs.(*wire.MsgAddrV2).AddrList) {
			return "addrv2 entries one side ignores (Core: Tor v2; btcd: I2P, CJDNS)"
		}
		if ourErr == nil && btcdErr != nil && hasOddTorV2(payload) {
			return "addrv2 Tor v2 entry of a length other than 10: Core skips it, btcd rejects it"
		}
	case protocol.CmdCFilter, protocol.CmdCFCheckpt, protocol.CmdMerkleBlock:
		if ourErr == nil && btcdErr != nil {
			return "btcd caps cfilter data, cfcheckpt headers and merkle flags below the payload size"
		}
	}
	return ""
}

// hasEmptyTx reports whether a decoded tx or block holds a transaction
// without inputs.
func hasEmptyTx(m protocol.Message) bool {
	switch m := m.(type) {
	case *protocol.MsgTx:
		return len(m.TxIn) == 0
	case *protocol.MsgBlock:
		for i := range m.Transactions {
			if len(m.Transactions[i].TxIn) == 0 {
				return true
			}
		}
	}
	return false
}

// hasOddTorV2 reports whether a well-formed addrv2 payload has a Tor v2
// entry whose address is not 10 bytes long.
func hasOddTorV2(payload []byte) bool {
	n, p, err := protocol.ReadCompactSize(payload)
	if err != nil {
		return false
	}
	for range n {
		if p += 4; p > len(payload) {
			return false
		}
		_, k, err := protocol.ReadCompactSize(payload[p:]) // services
		if err != nil || p+k >= len(payload) {
			return false
		}
		p += k
		network := payload[p]
		size, k, err := protocol.ReadCompactSize(payload[p+1:])
		if err != nil {
			return false
		}
		if protocol.NetworkID(network) == protocol.NetTorV2 && size != 10 {
			return true
		}
		p += 1 + k + int(size) + 2
	}
	return false
}
