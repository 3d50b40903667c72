package node_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
)

// mineHeaders returns n valid regtest headers after prev, a minute apart
// from start; salt tells branches apart.
func mineHeaders(t testing.TB, prev protocol.Hash, start time.Time, n int, salt byte) []protocol.BlockHeader {
	t.Helper()
	p, _ := protocol.Network(protocol.NameRegtest)
	hs := make([]protocol.BlockHeader, n)
	for i := range hs {
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: uint32(start.Add(time.Duration(i) * time.Minute).Unix()), Bits: 0x207fffff}
		h.MerkleRoot[0] = salt
		for !headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, p.Consensus) {
			h.Nonce++
		}
		hs[i], prev = h, h.BlockHash()
	}
	return hs
}

// TestHeaderSyncOverInMemoryNetwork: node a syncs from a scripted peer
// (a full headers message, then the rest), asks with getheaders for
// headers that do not connect, follows a reorg to a branch with more
// work, and node b syncs the same chain from a and follows what a learns.
func TestHeaderSyncOverInMemoryNetwork(t *testing.T) {
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	net := actortest.NewNetwork(params.Magic)
	lis := actortest.ListenRemote(t, actortest.NewSystem(t), net, netip.MustParseAddrPort("127.0.0.9:18444"))

	cfg := nodetest.Regtest(t, "127.0.0.1:18444")
	cfg.Connect = []string{lis.Addr().String()}
	cfg.V2Transport = false // the scripted peer speaks v1
	// a claims NETWORK (a regtest-only setting): b syncs only from a peer
	// that serves blocks, as Core does.
	cfg.RegtestServices = []string{"NETWORK", "WITNESS"}
	a := nodetest.Start(t, cfg, onNetwork(net, "127.0.0.1"))
	r := lis.Accept(t, 10*time.Second)
	r.SetAutoPong(true)
	v := r.NewVersion()
	v.StartHeight = 2100
	if ours := r.Handshake(t, v); ours.StartHeight != 0 {
		t.Fatalf("a's start height %d before any header", ours.StartHeight)
	}

	// Initial sync: genesis locator, a full message asks for more.
	gh := actortest.ExpectMsg[*protocol.MsgGetHeaders](t, r, 10*time.Second)
	if len(gh.BlockLocatorHashes) != 1 || gh.BlockLocatorHashes[0] != params.GenesisHash {
		t.Fatalf("initial getheaders locator %v", gh.BlockLocatorHashes)
	}
	hs := mineHeaders(t, params.GenesisHash, time.Now().Add(-2200*time.Minute), 2100, 1)
	r.Send(&protocol.MsgHeaders{Headers: hs[:2000]})
	gh = actortest.ExpectMsg[*protocol.MsgGetHeaders](t, r, 10*time.Second)
	if gh.BlockLocatorHashes[0] != hs[1999].BlockHash() {
		t.Fatalf("continuation locator starts %v", gh.BlockLocatorHashes[0])
	}
	r.Send(&protocol.MsgHeaders{Headers: hs[2000:]})
	waitHeaders(t, a, 2100, hs[2099].BlockHash().String(), 10*time.Second)

	// Headers that do not connect: a asks from its best header.
	more := mineHeaders(t, hs[2099].BlockHash(), time.Now().Add(-90*time.Minute), 3, 1)
	r.Send(&protocol.MsgHeaders{Headers: more[1:]})
	gh = actortest.ExpectMsg[*protocol.MsgGetHeaders](t, r, 10*time.Second)
	if gh.BlockLocatorHashes[0] != hs[2099].BlockHash() {
		t.Fatalf("getheaders after unconnecting headers starts %v", gh.BlockLocatorHashes[0])
	}
	r.Send(&protocol.MsgHeaders{Headers: more})
	waitHeaders(t, a, 2103, more[2].BlockHash().String(), 10*time.Second)
	if in := chainInfo(t, a); in.Stats.Unconnecting != 1 {
		t.Fatalf("unconnecting %d", in.Stats.Unconnecting)
	}

	// A branch from 2095 with more work: a reorganizes.
	fork := mineHeaders(t, hs[2094].BlockHash(), time.Now().Add(-80*time.Minute), 10, 2)
	r.Send(&protocol.MsgHeaders{Headers: fork})
	waitHeaders(t, a, 2105, fork[9].BlockHash().String(), 10*time.Second)
	if in := chainInfo(t, a); in.Stats.Reorgs != 1 {
		t.Fatalf("reorgs %d", in.Stats.Reorgs)
	}

	// Node b dials a and syncs the same chain from it.
	bcfg := nodetest.Regtest(t, "127.0.0.2:18444")
	bcfg.Connect = []string{"127.0.0.1:18444"}
	b := nodetest.Start(t, bcfg, onNetwork(net, "127.0.0.2"))
	waitHeaders(t, b, 2105, fork[9].BlockHash().String(), 20*time.Second)

	// What a learns next, b hears of: a announces it.
	next := mineHeaders(t, fork[9].BlockHash(), time.Now().Add(-time.Minute), 1, 2)
	r.Send(&protocol.MsgHeaders{Headers: next})
	waitHeaders(t, b, 2106, next[0].BlockHash().String(), 10*time.Second)
	if in := chainInfo(t, a); in.Stats.Announcements == 0 {
		t.Fatalf("a announced nothing: %+v", in.Stats)
	}
	if v := net.Violations(); len(v) != 0 {
		t.Errorf("io contract violations: %v", v)
	}
}

// BenchmarkHeaderSync measures a fresh node syncing 50,000 headers from a
// scripted peer over the in-memory network: checks, index, store (one
// fsync per batch) and the getheaders round trips.
func BenchmarkHeaderSync(b *testing.B) {
	params, _ := protocol.Network("regtest")
	const n = 50000
	hs := mineHeaders(b, params.GenesisHash, time.Now().Add(-n*time.Minute), n, 1)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		net := actortest.NewNetwork(params.Magic)
		lis := actortest.ListenRemote(b, actortest.NewSystem(b), net, netip.MustParseAddrPort("127.0.0.9:18444"))
		cfg := nodetest.Regtest(b, "127.0.0.1:18444")
		cfg.Connect = []string{lis.Addr().String()}
		cfg.V2Transport = false
		a := nodetest.Start(b, cfg, onNetwork(net, "127.0.0.1"), node.WithLogger(zap.NewNop()))
		r := lis.Accept(b, 10*time.Second)
		r.SetAutoPong(true)
		r.Handshake(b, nil)
		b.StartTimer()
		for sent := 0; ; {
			gh := actortest.ExpectMsg[*protocol.MsgGetHeaders](b, r, 30*time.Second)
			from := 0
			if gh.BlockLocatorHashes[0] != params.GenesisHash {
				from = sent
			}
			to := min(from+headerchain.MaxHeadersResults, n)
			r.Send(&protocol.MsgHeaders{Headers: hs[from:to]})
			sent = to
			if to == n {
				break
			}
		}
		waitHeaders(b, a, n, hs[n-1].BlockHash().String(), 60*time.Second)
		b.StopTimer()
		_ = a.Stop(context.Background())
		_ = i
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "headers/s")
}

// testClock is a clock the test moves forward.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestOutboundPeerOnOldChainDisconnected: Core's ConsiderEviction end to
// end. An outbound peer that never shows a chain with our tip's work gets
// CHAIN_SYNC_TIMEOUT, then one getheaders and HEADERS_RESPONSE_TIME, then
// is disconnected; the peer that gave us the chain stays.
func TestOutboundPeerOnOldChainDisconnected(t *testing.T) {
	params, _ := protocol.Network("regtest")
	net := actortest.NewNetwork(params.Magic)
	system := actortest.NewSystem(t)
	good := actortest.ListenRemote(t, system, net, netip.MustParseAddrPort("127.0.0.9:18444"))
	stale := actortest.ListenRemote(t, system, net, netip.MustParseAddrPort("127.0.0.10:18444"))
	clock := &testClock{}

	// good is a manual peer (-addnode), which ConsiderEviction spares as
	// Core does; stale an automatic outbound one, dialled from the book.
	cfg := nodetest.Regtest(t, "127.0.0.1:18444")
	cfg.AddNode = []string{good.Addr().String()}
	cfg.MaxOutbound = 1
	cfg.V2Transport = false // the scripted peers speak v1
	cfg.PingTimeout = time.Hour
	a := nodetest.Start(t, cfg, onNetwork(net, "127.0.0.1"), node.WithClock(clock.now))
	addToBook(t, a, stale.Addr().String())
	r := good.Accept(t, 10*time.Second)
	r.SetAutoPong(true)
	r.Handshake(t, nil)
	actortest.ExpectMsg[*protocol.MsgGetHeaders](t, r, 10*time.Second)
	hs := mineHeaders(t, params.GenesisHash, time.Now().Add(-time.Hour), 20, 1)
	r.Send(&protocol.MsgHeaders{Headers: hs})
	waitHeaders(t, a, 20, hs[19].BlockHash().String(), 10*time.Second)

	// The stale peer finishes its handshake now: our tip is recent, so it
	// is synced from too, and it never answers.
	s := stale.Accept(t, 10*time.Second)
	s.SetAutoPong(true)
	s.Handshake(t, nil)
	actortest.ExpectMsg[*protocol.MsgGetHeaders](t, s, 10*time.Second)
	nodetest.Eventually(t, 10*time.Second, "the stale peer known to chain sync", func() bool {
		return len(chainInfo(t, a).SyncPeers) == 2
	})
	// A tick sets the timeout; then the clock passes it.
	nodetest.Eventually(t, 10*time.Second, "the stale peer's chain sync timeout set", func() bool {
		r, err := inspect.Ask(a.System().Root, a.Chain(), func(to *actor.PID) any { return &chain.GetPeerStates{ReplyTo: to} }, 5*time.Second)
		if err != nil {
			return false
		}
		for _, st := range r.(*chain.PeerStates).Peers {
			if st.ChainSyncDeadline != 0 {
				return true
			}
		}
		return false
	})
	clock.add(machine.ChainSyncTimeout + time.Second)
	gh := actortest.ExpectMsg[*protocol.MsgGetHeaders](t, s, 10*time.Second)
	if gh.BlockLocatorHashes[0] != hs[18].BlockHash() {
		t.Fatalf("getheaders to verify chain work from %v, want our tip's parent", gh.BlockLocatorHashes[0])
	}
	clock.add(machine.HeadersResponseTime + time.Second)
	s.ExpectClosed(t, 10*time.Second)
	if closed, _ := r.Closed(); closed {
		t.Fatal("the peer with our chain was disconnected too")
	}
}
