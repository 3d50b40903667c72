package headerchain_test

import (
	"fmt"
	"os"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// A headers message from a peer goes to Add; the result says how many
// headers to persist and how the best chain moved; the next getheaders
// carries the tip's locator.
func Example() {
	mainnet, _ := protocol.Network(protocol.NameMainnet)
	ix, err := headerchain.New(mainnet)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Real mainnet headers 0 to 2020; a peer would send 1 to 2000 first.
	// Block 2000 is 00000000dfd5d65c...87da951a, as every explorer says.
	raw, _ := os.ReadFile("testdata/mainnet-000000-002020.bin")
	var msg []protocol.BlockHeader
	for off := protocol.BlockHeaderSize; off < len(raw) && len(msg) < headerchain.MaxHeadersResults; off += protocol.BlockHeaderSize {
		h, _ := protocol.ParseBlockHeader(raw[off:])
		msg = append(msg, h)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := ix.Add(msg, now)
	fmt.Println("error:", err)
	fmt.Println("added:", res.Added, "connected:", len(res.Tip.Connected))
	fmt.Println("tip:", ix.Tip().Height, ix.Tip().Hash)
	fmt.Println("locator:", len(ix.TipLocator()), "hashes")

	// The same message again adds nothing; a header that does not meet
	// its target is refused with Core's reason.
	res, _ = ix.Add(msg, now)
	fmt.Println("again added:", res.Added)
	bad := msg[0]
	bad.Nonce++
	_, err = ix.Add([]protocol.BlockHeader{bad}, now)
	fmt.Println(err)
	// Output:
	// error: <nil>
	// added: 2000 connected: 2000
	// tip: 2000 00000000dfd5d65c9d8561b4b8f60a63018fe3933ecb131fb37f905f87da951a
	// locator: 22 hashes
	// again added: 0
	// header 0 (cfccca4cffdbdd61b809472457ded9d975d01038b0460a742398dd6cbe0bcb2f, height -1): high-hash: proof of work failed: bits 0x1d00ffff
}
