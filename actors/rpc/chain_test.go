package rpc_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/protocol"
)

// mineRegtest returns n valid regtest headers after prev, a minute apart
// from start.
func mineRegtest(t *testing.T, prev protocol.Hash, start time.Time, n int) []protocol.BlockHeader {
	t.Helper()
	p, _ := protocol.Network(protocol.NameRegtest)
	hs := make([]protocol.BlockHeader, n)
	for i := range hs {
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: uint32(start.Add(time.Duration(i) * time.Minute).Unix()), Bits: 0x207fffff}
		for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
			h.Nonce++
		}
		hs[i], prev = h, h.BlockHash()
	}
	return hs
}

func TestChainMethods(t *testing.T) {
	n := nodetest.Start(t, testConfig(t))
	c := newCaller(t, n, dataDir(n))
	params := n.Params()
	genesis := params.GenesisHash.String()

	var info map[string]any
	nodetest.Eventually(t, 10*time.Second, "the chain loaded", func() bool {
		code, _ := c.post(`{"method":"getblockcount","params":[],"id":1}`)
		return code == 200
	})
	c.call("getblockchaininfo", "[]", &info)
	if info["chain"] != "regtest" || info["blocks"] != 0.0 || info["headers"] != 0.0 || info["bestblockhash"] != genesis ||
		info["bits"] != "207fffff" || info["difficulty"] != 4.656542373906925e-10 || info["initialblockdownload"] != true ||
		info["chainwork"] != "0000000000000000000000000000000000000000000000000000000000000002" || info["mediantime"] != 1296688602.0 {
		t.Fatalf("getblockchaininfo = %v", info)
	}

	// A peer brings five headers.
	r := actortest.DialTCP(t, n.ListenAddrs()[0].String(), params.Magic)
	r.SetAutoPong(true)
	r.Handshake(t, r.NewVersion())
	hs := mineRegtest(t, params.GenesisHash, time.Now().Add(-time.Hour), 5)
	r.Send(&protocol.MsgHeaders{Headers: hs})
	nodetest.Eventually(t, 10*time.Second, "five headers", func() bool {
		c.call("getblockchaininfo", "[]", &info)
		return info["headers"] == 5.0
	})
	if info["blocks"] != 0.0 || info["bestblockhash"] != genesis {
		t.Fatalf("blocks moved with headers: %v", info)
	}

	var count int
	c.call("getblockcount", "[]", &count)
	var best, h0 string
	c.call("getbestblockhash", "[]", &best)
	c.call("getblockhash", "[0]", &h0)
	if count != 0 || best != genesis || h0 != genesis {
		t.Fatalf("getblockcount %d, getbestblockhash %s, getblockhash 0 %s", count, best, h0)
	}
	if code, msg, _ := c.callErr("getblockhash", "[1]"); code != rpc.CodeInvalidParameter || msg != "Block height out of range" {
		t.Fatalf("getblockhash 1: %d %s", code, msg)
	}

	var hdr map[string]any
	third := hs[2].BlockHash().String()
	c.call("getblockheader", `["`+third+`"]`, &hdr)
	if hdr["hash"] != third || hdr["height"] != 3.0 || hdr["confirmations"] != -1.0 || hdr["previousblockhash"] != hs[1].BlockHash().String() ||
		hdr["versionHex"] != "00000004" || hdr["bits"] != "207fffff" || hdr["nTx"] != 0.0 || hdr["time"] != float64(hs[2].Timestamp) {
		t.Fatalf("getblockheader = %v", hdr)
	}
	var raw string
	c.call("getblockheader", `["`+third+`", false]`, &raw)
	if raw != hex.EncodeToString(protocol.AppendBlockHeader(nil, &hs[2])) {
		t.Fatalf("getblockheader hex = %s", raw)
	}
	if code, msg, _ := c.callErr("getblockheader", `["`+protocol.Hash{1}.String()+`"]`); code != rpc.CodeInvalidAddressOrKey || msg != "Block not found" {
		t.Fatalf("unknown header: %d %s", code, msg)
	}
	if code, _, _ := c.callErr("getblockheader", `["xyz"]`); code != rpc.CodeInvalidParameter {
		t.Fatalf("bad hash: %d", code)
	}

	var tips []map[string]any
	c.call("getchaintips", "[]", &tips)
	if len(tips) != 2 || tips[0]["hash"] != hs[4].BlockHash().String() || tips[0]["status"] != "headers-only" || tips[0]["branchlen"] != 5.0 ||
		tips[1]["hash"] != genesis || tips[1]["status"] != "active" || tips[1]["branchlen"] != 0.0 {
		t.Fatalf("getchaintips = %v", tips)
	}

	infos := c.peerInfos()
	if len(infos) != 1 || infos[0].SyncedHeaders != 5 || infos[0].SyncedBlocks != -1 {
		t.Fatalf("getpeerinfo synced_headers %+v", infos)
	}
}
