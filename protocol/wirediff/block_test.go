package wirediff

import (
	"bytes"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// merkleRoot is the Bitcoin merkle root of the leaves (the last one paired
// with itself on odd levels).
func merkleRoot(leaves []protocol.Hash) protocol.Hash {
	level := append([]protocol.Hash(nil), leaves...)
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			next = append(next, protocol.DoubleSHA256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	return level[0]
}

// witnessCommitmentPrefix starts the coinbase output committing to the
// wtxids (BIP141): OP_RETURN, push 36, 0xaa21a9ed.
var witnessCommitmentPrefix = []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}

// Two real mainnet blocks decode, hash to their names, and their txids and
// wtxids rebuild the header's merkle root and the coinbase's witness
// commitment: the transaction hashing is right for every transaction in
// them. The segwit vector in protocol/testdata is one of those
// transactions.
func TestRealBlocks(t *testing.T) {
	segwit, fields := readVector(t, "segwit-tx.txt")
	for _, name := range []string{block1MB, block2MB} {
		t.Run(name[:20], func(t *testing.T) {
			raw := readBlock(t, name)
			msg, err := protocol.Decode(protocol.CmdBlock, raw, pver)
			if err != nil {
				t.Fatal(err)
			}
			block := msg.(*protocol.MsgBlock)
			if want := "block-" + block.BlockHash().String() + ".blk"; want != name {
				t.Fatalf("block hashes to %s", want)
			}
			if !bytes.Equal(block.AppendPayload(nil, pver), raw) || block.SerializeSize() != len(raw) {
				t.Fatal("re-encoding differs")
			}
			if got := merkleRoot(block.TxHashes()); got != block.Header.MerkleRoot {
				t.Fatalf("merkle root of txids %s, header %s", got, block.Header.MerkleRoot)
			}
			wtxids := make([]protocol.Hash, len(block.Transactions))
			for i := 1; i < len(wtxids); i++ {
				wtxids[i] = block.Transactions[i].WitnessHash()
			}
			coinbase := block.Transactions[0]
			reserved := coinbase.TxIn[0].Witness[0]
			root := merkleRoot(wtxids)
			commitment := protocol.DoubleSHA256(append(root[:], reserved...))
			found := false
			for _, out := range coinbase.TxOut {
				if bytes.HasPrefix(out.PkScript, witnessCommitmentPrefix) {
					found = bytes.Equal(out.PkScript[6:38], commitment[:])
				}
			}
			if !found {
				t.Fatal("witness commitment does not match the wtxids")
			}
			if "block-"+fields["block"]+".blk" == name {
				tx := block.Transactions[atoi(t, fields["index"])]
				if !bytes.Equal(tx.AppendPayload(nil, pver), segwit) || tx.TxHash().String() != fields["txid"] ||
					tx.WitnessHash().String() != fields["wtxid"] {
					t.Fatal("segwit-tx.txt is not the transaction it names")
				}
			}
			checkBothWays(t, block)
		})
	}
}

func atoi(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
