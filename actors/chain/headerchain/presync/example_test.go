package presync_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerchain/presync"
	"github.com/actornode/actornode/protocol"
)

// A peer serves a 3,000-header regtest chain while we require 5,000
// headers' worth of work: its first full message starts a sync, which
// keeps commitments only; the chain ends short, so the sync ends with
// nothing stored. With the threshold lowered to the chain's work, the
// chain is downloaded twice and released to the index.
func Example() {
	p, _ := protocol.Network(protocol.NameRegtest)
	ix, _ := headerchain.New(p)
	chain := mineChain(p, 3000)
	params, _ := presync.NetworkParams(p.Name)
	now := time.Unix(int64(chain[len(chain)-1].Timestamp), 0)

	for _, threshold := range []headerchain.Uint256{{2 * 5000}, ix.TipWork().Add(presync.ClaimedWork(chain))} {
		msg := chain[:headerchain.MaxHeadersResults]
		start, _ := presync.StartAt(ix, msg[0].PrevBlock)
		fmt.Println("needs presync:", presync.NeedsPresync(start.Work, msg, threshold))
		sync, err := presync.New(presync.Config{Consensus: p.Consensus, Params: params, Start: start,
			MinimumWork: threshold, Now: now, Rand: rand.NewPCG(1, 2)})
		if err != nil {
			fmt.Println(err)
			return
		}
		msg = chain[:headerchain.MaxHeadersResults]
		for {
			res := sync.ProcessNextHeaders(msg, len(msg) == headerchain.MaxHeadersResults)
			fmt.Printf("%d headers: %v, released %d, held %d bytes\n", len(msg), res.State, len(res.Headers), sync.MemoryUsage())
			if len(res.Headers) > 0 {
				if _, err := ix.Add(res.Headers, now); err != nil {
					fmt.Println(err)
				}
			}
			if !res.RequestMore {
				fmt.Println("end:", res.End)
				break
			}
			msg = answer(p, chain, res.Locator)
		}
		fmt.Println("index height:", ix.Tip().Height)
	}
	// Output:
	// needs presync: true
	// 2000 headers: presync, released 0, held 832 bytes
	// 1000 headers: final, released 0, held 792 bytes
	// end: low-work
	// index height: 0
	// needs presync: true
	// 2000 headers: presync, released 0, held 832 bytes
	// 1000 headers: redownload, released 0, held 832 bytes
	// 2000 headers: redownload, released 0, held 99136 bytes
	// 1000 headers: final, released 3000, held 792 bytes
	// end: complete
	// index height: 3000
}

// answer is the peer's reply to a getheaders: the headers after the
// locator's first hash.
func answer(p protocol.Params, chain []protocol.BlockHeader, locator []protocol.Hash) []protocol.BlockHeader {
	from := 0
	if locator[0] != p.GenesisHash {
		for i := range chain {
			if chain[i].BlockHash() == locator[0] {
				from = i + 1
			}
		}
	}
	return chain[from:min(from+headerchain.MaxHeadersResults, len(chain))]
}

// mineChain mines n regtest headers on genesis, a second apart.
func mineChain(p protocol.Params, n int) []protocol.BlockHeader {
	g, _ := p.GenesisHeader()
	hs := make([]protocol.BlockHeader, 0, n)
	prev, ts := p.GenesisHash, g.Timestamp
	for range n {
		ts++
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: ts, Bits: g.Bits}
		for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
			h.Nonce++
		}
		hs = append(hs, h)
		prev = h.BlockHash()
	}
	return hs
}
