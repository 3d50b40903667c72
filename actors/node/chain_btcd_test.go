package node_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
)

// miningAddr is a regtest pay-to-pubkey-hash address (hash160 of zeros)
// for btcd's --miningaddr.
func miningAddr() string { return p2pkhAddr(0x6f, 0) }

// p2pkhAddr is the base58check pay-to-pubkey-hash address, under the given
// version byte, of a hash160 whose 20 bytes are all fill.
func p2pkhAddr(version, fill byte) string {
	payload := append([]byte{version}, bytes.Repeat([]byte{fill}, 20)...)
	a := sha256.Sum256(payload)
	b := sha256.Sum256(a[:])
	full := append(payload, b[:4]...)
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	x, m := new(big.Int).SetBytes(full), new(big.Int)
	var out []byte
	for x.Sign() > 0 {
		x.DivMod(x, big.NewInt(58), m)
		out = append([]byte{alphabet[m.Int64()]}, out...)
	}
	return string(out)
}

// miner is a btcd that mines on request over its RPC.
type miner struct {
	*btcd
	rpc string
}

func startMiner(t *testing.T, extra ...string) *miner {
	t.Helper()
	rpcPort := freePort(t)
	args := append([]string{fmt.Sprintf("--rpclisten=127.0.0.1:%d", rpcPort), "--rpcuser=u", "--rpcpass=p", "--notls",
		"--miningaddr=" + miningAddr()}, extra...)
	b := startBtcd(t, args...)
	return &miner{btcd: b, rpc: fmt.Sprintf("http://127.0.0.1:%d/", rpcPort)}
}

// call makes one JSON-RPC call to btcd and decodes its result into out.
func (m *miner) call(t *testing.T, out any, method string, params ...any) {
	t.Helper()
	jsonRPC(t, m.rpc, "u", "p", out, method, params...)
}

// generate mines n blocks, at most 1000 a call, and returns the last hash.
func (m *miner) generate(t *testing.T, n int) string {
	t.Helper()
	var last string
	for n > 0 {
		k := min(n, 1000)
		var hashes []string
		m.call(t, &hashes, "generate", k)
		if len(hashes) != k {
			t.Fatalf("generate %d: %d hashes", k, len(hashes))
		}
		last = hashes[k-1]
		n -= k
	}
	return last
}

func chainInfo(t testing.TB, n *node.Node) *chain.Info {
	t.Helper()
	r, err := inspect.Ask(n.System().Root, n.Chain(), func(to *actor.PID) any { return &chain.GetInfo{ReplyTo: to} }, 5*time.Second)
	if err != nil {
		t.Fatalf("ask chain: %v", err)
	}
	return r.(*chain.Info)
}

// waitHeaders waits until the node's best header is hash at height.
func waitHeaders(t testing.TB, n *node.Node, height int32, hash string, within time.Duration) {
	t.Helper()
	var last *chain.Info
	nodetest.Eventually(t, within, fmt.Sprintf("best header %d %s", height, hash), func() bool {
		last = chainInfo(t, n)
		return last.Headers == height && last.HeaderTip.Hash.String() == hash
	})
}

// TestHeadersFromBtcd: actornode syncs 3,000 headers from btcd (two full
// headers messages and a short one), follows blocks btcd mines afterwards
// (btcd announces them to us), keeps them across a restart, and a second
// btcd syncs its headers from actornode.
func TestHeadersFromBtcd(t *testing.T) {
	t.Parallel()
	a := startMiner(t, fmt.Sprintf("--connect=127.0.0.1:%d", freePort(t)))
	tip := a.generate(t, 3000)

	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Connect = []string{a.addr.String()}
	began := time.Now()
	n := nodetest.Start(t, cfg)
	waitHeaders(t, n, 3000, tip, 60*time.Second)
	t.Logf("started and synced 3000 headers from btcd in %v", time.Since(began))
	in := chainInfo(t, n)
	if in.Blocks != 0 || in.InitialSync || in.SyncPeers == nil || in.Stats.HeadersAdded != 3000 || in.Stats.GetHeadersSent < 2 {
		t.Fatalf("after sync: blocks %d, initial %v, sync peers %v, stats %+v", in.Blocks, in.InitialSync, in.SyncPeers, in.Stats)
	}

	// New blocks are announced by btcd and followed.
	for i := 1; i <= 3; i++ {
		tip = a.generate(t, 1)
		waitHeaders(t, n, int32(3000+i), tip, 30*time.Second)
	}
	tip = a.generate(t, 20)
	waitHeaders(t, n, 3023, tip, 30*time.Second)

	// getpeerinfo: btcd's synced headers and our start height as btcd saw it.
	ps := nodetest.Handshaken(nodetest.Peers(t, n), isBtcd)
	if len(ps) != 1 {
		t.Fatalf("btcd peers %d", len(ps))
	}

	// A restart loads the headers from the store. The node now claims
	// NETWORK and WITNESS (a regtest-only setting), which btcd requires of
	// a peer it dials and of a sync peer.
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.Connect = nil
	cfg.RegtestServices = []string{"NETWORK", "WITNESS"}
	n2 := nodetest.Start(t, cfg)
	nodetest.Eventually(t, 20*time.Second, "the store loaded", func() bool { return chainInfo(t, n2).Ready })
	if in := chainInfo(t, n2); in.Headers != 3023 || in.HeaderTip.Hash.String() != tip || in.Store.Loaded != 3023 {
		t.Fatalf("after restart: headers %d %v, store %+v", in.Headers, in.HeaderTip.Hash, in.Store)
	}

	// A fresh btcd dials us, syncs our headers (our start height is what
	// makes it pick us), then asks for the blocks, which we do not have:
	// we answer nothing, and btcd would drop us as a stalled sync peer
	// after its maxStallDuration (3 minutes).
	b := startBtcd(t, "--connect="+nodetest.ListenAddr(t, n2).String())
	nodetest.Eventually(t, 60*time.Second, "btcd to take our 3023 headers and ask for blocks", func() bool {
		return len(b.lines("Received version", "/actornode:", "block 3023")) > 0 &&
			len(b.lines("downloaded headers to", tip+"(3023)")) > 0 &&
			len(b.lines("Sending getdata")) > 0
	})
	if in := chainInfo(t, n2); in.Stats.HeadersServed != 3023 {
		t.Errorf("served %d headers, want 3023", in.Stats.HeadersServed)
	}
	nodetest.Eventually(t, 20*time.Second, "btcd connected to us", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, n2), func(p *peer.Info) bool { return isBtcd(p) && p.Inbound })) == 1
	})
}
