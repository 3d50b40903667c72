package machine

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerchain/presync"
	"github.com/actornode/actornode/protocol"
)

// One sync peer at a time: the first preferred peer gets the initial
// getheaders (genesis locator), the second none; a full answer asks for
// more, a short one ends the round.
func TestInitialSyncOnePeerAtATime(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	out := m.PeerReady(t0, outbound(1), nil)
	gh := getHeaders(out, 1)
	if gh == nil || len(gh.BlockLocatorHashes) != 1 || gh.BlockLocatorHashes[0] != p.GenesisHash {
		t.Fatalf("initial getheaders %+v, want genesis locator", gh)
	}
	if out := m.PeerReady(t0, outbound(2), nil); getHeaders(out, 2) != nil {
		t.Fatal("a second peer got a getheaders while the first syncs")
	}
	// The inbound peer is not used while outbound ones are connected.
	if out := m.PeerReady(t0, inbound(3), nil); getHeaders(out, 3) != nil {
		t.Fatal("an inbound peer got a getheaders")
	}

	hs := mine(t, p.GenesisHash, time.Unix(1296688602+600, 0), headerchain.MaxHeadersResults+10, 1)
	out = m.Headers(t0, 1, hs[:headerchain.MaxHeadersResults], nil)
	if a := find(out, Persist, 1); a == nil || a.Added != headerchain.MaxHeadersResults {
		t.Fatalf("persist %+v", a)
	}
	if a := find(out, NewTip, 1); a == nil || a.Tip.New.Height != headerchain.MaxHeadersResults {
		t.Fatalf("new tip %+v", a)
	}
	more := getHeaders(out, 1)
	if more == nil || more.BlockLocatorHashes[0] != hs[headerchain.MaxHeadersResults-1].BlockHash() {
		t.Fatalf("full headers message: next getheaders %+v", more)
	}
	out = m.Headers(t0, 1, hs[headerchain.MaxHeadersResults:], nil)
	if getHeaders(out, 1) != nil {
		t.Fatal("a short headers message asked for more")
	}
	if got := m.Index().Tip().Height; got != int32(len(hs)) {
		t.Fatalf("tip %d, want %d", got, len(hs))
	}
	if s, _ := m.Peer(1); s.SyncedHeaders != int32(len(hs)) || !s.SyncStarted {
		t.Fatalf("peer state %+v", s)
	}
}

// With no outbound peer, an inbound one serving blocks is synced from; a
// peer serving no blocks never is.
func TestInboundSyncWhenAlone(t *testing.T) {
	m := newMachine(t, regtest(t))
	if out := m.PeerReady(t0, Peer{ID: 1, Conn: ConnOutboundFullRelay}, nil); getHeaders(out, 1) != nil {
		t.Fatal("a peer without NODE_NETWORK got a getheaders")
	}
	if out := m.PeerReady(t0, inbound(2), nil); getHeaders(out, 2) == nil {
		t.Fatal("the only block-serving peer, inbound, got no getheaders")
	}
}

// At most one getheaders in flight per peer: another goes only after an
// answer or HeadersResponseTime.
func TestGetHeadersRateLimit(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	stray := mine(t, protocol.Hash{9}, t0.Add(-time.Hour), 1, 2) // parent unknown
	if out := m.Headers(t0.Add(time.Second), 1, stray, nil); getHeaders(out, 1) != nil {
		t.Fatal("a getheaders while one is in flight")
	}
	if out := m.Headers(t0.Add(HeadersResponseTime+time.Second), 1, stray, nil); getHeaders(out, 1) == nil {
		t.Fatal("no getheaders after HeadersResponseTime")
	}
	// An empty answer clears the request.
	m.Headers(t0.Add(HeadersResponseTime+2*time.Second), 1, nil, nil)
	if out := m.Headers(t0.Add(HeadersResponseTime+3*time.Second), 1, stray, nil); getHeaders(out, 1) == nil {
		t.Fatal("no getheaders after an empty answer")
	}
}

// Unconnecting headers (Core's HandleUnconnectingHeaders): a getheaders
// from our best header, the peer marked as having the last one; once the
// gap is filled the peer's best known header is that one.
func TestUnconnectingHeaders(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	start := t0.Add(-time.Hour)
	hs := mine(t, p.GenesisHash, start, 5, 1)
	m.PeerReady(t0, outbound(1), nil)
	m.Headers(t0, 1, hs[:2], nil) // answers the initial getheaders
	out := m.Headers(t0, 1, hs[3:], nil)
	gh := getHeaders(out, 1)
	if gh == nil || gh.BlockLocatorHashes[0] != hs[1].BlockHash() {
		t.Fatalf("getheaders after unconnecting headers %+v, want locator from our tip", gh)
	}
	if find(out, Misbehave, 1) != nil || find(out, Persist, 1) != nil {
		t.Fatal("unconnecting headers punished or stored")
	}
	if m.Stats().Unconnecting != 1 {
		t.Fatalf("unconnecting %d", m.Stats().Unconnecting)
	}
	// Another peer announces the tip before we can connect it; once
	// peer 1 fills the gap, peer 2 is known to have the tip.
	m.PeerReady(t0, inbound(2), nil)
	m.Headers(t0, 2, hs[4:], nil)
	if s, _ := m.Peer(2); s.SyncedHeaders != -1 {
		t.Fatalf("peer 2 synced headers %d before the gap is filled", s.SyncedHeaders)
	}
	m.Headers(t0, 1, hs[2:], nil)
	m.Tick(t0, nil)
	if s, _ := m.Peer(2); s.SyncedHeaders != 5 {
		t.Fatalf("peer 2 synced headers %d, want 5 (its unconnecting header, now known)", s.SyncedHeaders)
	}
}

// A stalling sync peer is disconnected at Core's headers sync timeout when
// another preferred peer can take over, which then gets the getheaders.
func TestStallingSyncPeerReplaced(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	m.PeerReady(t0, outbound(2), nil)
	behind := t0.Sub(time.Unix(1296688602, 0))
	timeout := HeadersDownloadTimeoutBase + HeadersDownloadTimeoutPerHeader*time.Duration(behind/(10*time.Minute))
	if out := m.Tick(t0.Add(timeout), nil); len(out) != 0 {
		t.Fatalf("actions at the timeout itself: %+v", out)
	}
	out := m.Tick(t0.Add(timeout+time.Second), nil)
	wantReason(t, find(out, Disconnect, 1), ErrHeadersTimeout)
	out = m.PeerGone(t0.Add(timeout+2*time.Second), 1, nil)
	if getHeaders(out, 2) == nil {
		t.Fatalf("the other peer did not take over: %+v", out)
	}
	if got := m.SyncPeers(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("sync peers %v", got)
	}
}

// A lone sync peer is not disconnected for stalling: there is nobody else.
func TestStallingLonePeerKept(t *testing.T) {
	m := newMachine(t, regtest(t))
	m.PeerReady(t0, outbound(1), nil)
	if out := m.Tick(t0.Add(30*24*time.Hour), nil); find(out, Disconnect, 1) != nil {
		t.Fatal("the only peer disconnected for stalling")
	}
}

// A branch with more work replaces the best chain: a reorg, counted.
func TestReorg(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	start := t0.Add(-time.Hour)
	a := mine(t, p.GenesisHash, start, 3, 1)
	b := mine(t, a[0].BlockHash(), start.Add(time.Minute), 4, 2)
	m.Headers(t0, 1, a, nil)
	out := m.Headers(t0, 1, b, nil)
	tip := find(out, NewTip, 1)
	if tip == nil || len(tip.Tip.Disconnected) != 2 || len(tip.Tip.Connected) != 4 || tip.Tip.Fork.Height != 1 {
		t.Fatalf("reorg %+v", tip)
	}
	if m.Stats().Reorgs != 1 || m.Index().Tip().Hash != b[3].BlockHash() {
		t.Fatalf("reorgs %d, tip %v", m.Stats().Reorgs, m.Index().Tip())
	}
}

// Invalid headers punish the sender (Core's Misbehaving); one from the
// future does not.
func TestInvalidHeaders(t *testing.T) {
	p := regtest(t)
	start := t0.Add(-time.Hour)
	good := mine(t, p.GenesisHash, start, 3, 1)
	badPow := good[0]
	for badPow.Nonce = 0; headerchain.CheckProofOfWork(badPow.BlockHash(), badPow.Bits, p.Consensus); badPow.Nonce++ {
	}
	badBits := mine(t, p.GenesisHash, start, 1, 3)[0]
	badBits.Bits = 0x1f7fffff
	for ; !headerchain.CheckProofOfWork(badBits.BlockHash(), badBits.Bits, p.Consensus); badBits.Nonce++ {
	}
	cases := []struct {
		name string
		hs   []protocol.BlockHeader
		want error
	}{
		{"proof of work", []protocol.BlockHeader{badPow}, headerchain.ErrHighHash},
		{"not continuous", []protocol.BlockHeader{good[0], good[2]}, headerchain.ErrNotContinuous},
		{"difficulty bits", []protocol.BlockHeader{badBits}, headerchain.ErrBadDiffBits},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMachine(t, p)
			m.PeerReady(t0, outbound(1), nil)
			out := m.Headers(t0, 1, c.hs, nil)
			wantReason(t, find(out, Misbehave, 1), c.want)
			if out := m.Headers(t0, 1, good, nil); len(out) != 0 {
				t.Fatalf("a punished peer is still heard: %+v", out)
			}
		})
	}
	t.Run("future", func(t *testing.T) {
		m := newMachine(t, p)
		m.PeerReady(t0, outbound(1), nil)
		future := mine(t, p.GenesisHash, t0.Add(3*time.Hour), 1, 4)
		out := m.Headers(t0, 1, future, nil)
		if find(out, Misbehave, 1) != nil || find(out, Persist, 1) != nil {
			t.Fatalf("future header: %+v", out)
		}
	})
}

// A block inv of an unknown block asks for headers from our best one; the
// first inv from a peer not syncing triggers once per new block.
func TestBlockInv(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil) // the sync peer
	m.PeerReady(t0, outbound(2), nil)
	out := m.BlockInv(t0, 2, []protocol.Hash{{1}}, nil)
	if gh := getHeaders(out, 2); gh == nil || gh.BlockLocatorHashes[0] != p.GenesisHash {
		t.Fatalf("inv of an unknown block: %+v", out)
	}
	m.PeerReady(t0, outbound(3), nil)
	if out := m.BlockInv(t0, 3, []protocol.Hash{{1}}, nil); getHeaders(out, 3) != nil {
		t.Fatal("a second peer's inv of the same block triggered a getheaders before sync")
	}
	if out := m.BlockInv(t0, 2, []protocol.Hash{p.GenesisHash}, nil); getHeaders(out, 2) != nil {
		t.Fatal("an inv of a known block asked for headers")
	}
}

// getheaders is served from the best header chain; on a network whose
// minimum chain work we lack, with an empty message.
func TestServeGetHeaders(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 5, 1)
	m.Headers(t0, 9, hs, nil)
	out := m.GetHeaders(t0, 1, []protocol.Hash{hs[1].BlockHash(), p.GenesisHash}, protocol.Hash{}, nil)
	if a := find(out, Send, 1); a == nil || len(a.Msg.(*protocol.MsgHeaders).Headers) != 3 {
		t.Fatalf("getheaders after 2: %+v", out)
	}
	out = m.GetHeaders(t0, 1, []protocol.Hash{p.GenesisHash}, hs[2].BlockHash(), nil)
	if a := find(out, Send, 1); a == nil || len(a.Msg.(*protocol.MsgHeaders).Headers) != 3 {
		t.Fatalf("getheaders up to stop: %+v", out)
	}
	if out := m.GetHeaders(t0, 1, nil, protocol.Hash{7}, nil); len(out) != 0 {
		t.Fatalf("empty locator, unknown stop: %+v", out)
	}
	out = m.GetHeaders(t0, 1, make([]protocol.Hash, protocol.MaxLocatorHashes+1), protocol.Hash{}, nil)
	wantReason(t, find(out, Disconnect, 1), ErrLocatorTooLarge)

	main, _ := protocol.Network(protocol.NameMainnet)
	mm := newMachine(t, main)
	out = mm.GetHeaders(t0, 1, []protocol.Hash{main.GenesisHash}, protocol.Hash{}, nil)
	if a := find(out, Send, 1); a == nil || len(a.Msg.(*protocol.MsgHeaders).Headers) != 0 {
		t.Fatalf("mainnet below minimum work: %+v", out)
	}
}

// New best headers are announced once sync is recent, to every ready peer
// that lacks them: to one that sent sendheaders, the headers it lacks (or
// an inv when it lacks the parent too); to any other, an inv.
func TestAnnounce(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, false)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 4, 1)
	m.Headers(t0, 1, hs[:3], nil)
	m.PeerReady(t0, inbound(3), nil)
	m.PeerReady(t0, inbound(4), nil)
	for _, id := range []uint64{2, 3} {
		m.SendHeaders(id)
	}
	// Peers 2 and 4 have headers up to 3 (they asked us).
	for _, id := range []uint64{2, 4} {
		m.GetHeaders(t0, id, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil)
	}
	out := m.Headers(t0, 1, hs[3:], nil)
	if find(out, Send, 1) != nil {
		t.Fatalf("the source was announced to: %+v", out)
	}
	if got := headersTo(out, 2); got == nil || len(got.Headers) != 1 || got.Headers[0] != hs[3] {
		t.Fatalf("peer 2's announcement %+v", out)
	}
	// Peer 3 is known to have nothing, not even the new header's parent:
	// it gets an inv of the tip, as Core falls back to.
	if h, ok := invTo(out, 3); !ok || h != hs[3].BlockHash() {
		t.Fatalf("peer 3: %+v", out)
	}
	// Peer 4 has the parent but never asked for headers: an inv.
	if h, ok := invTo(out, 4); !ok || h != hs[3].BlockHash() {
		t.Fatalf("peer 4: %+v", out)
	}
}

// ConsiderEviction: an outbound peer behind our tip gets ChainSyncTimeout,
// then a getheaders and HeadersResponseTime, then is disconnected; one
// that catches up is kept.
func TestConsiderEviction(t *testing.T) {
	p := regtest(t)
	now := t0
	hs := mine(t, p.GenesisHash, now.Add(-time.Hour), 3, 1)
	m := newMachine(t, p)
	m.PeerReady(now, inbound(1), nil)
	m.Headers(now, 1, hs, nil) // our tip: 3, recent
	m.PeerReady(now, outbound(2), nil)
	m.Headers(now, 2, hs[:1], nil) // peer 2 is at 1
	m.Tick(now, nil)               // timeout set
	if out := m.Tick(now.Add(ChainSyncTimeout), nil); len(out) != 0 {
		t.Fatalf("before the timeout: %+v", out)
	}
	out := m.Tick(now.Add(ChainSyncTimeout+time.Second), nil)
	gh := getHeaders(out, 2)
	if gh == nil || gh.BlockLocatorHashes[0] != hs[1].BlockHash() {
		t.Fatalf("getheaders to verify chain work: %+v", out)
	}
	out = m.Tick(now.Add(ChainSyncTimeout+HeadersResponseTime+2*time.Second), nil)
	wantReason(t, find(out, Disconnect, 2), ErrOldChain)

	// A peer that shows our tip's work is kept, and protected.
	m2 := newMachine(t, p)
	m2.PeerReady(now, inbound(1), nil)
	m2.Headers(now, 1, hs, nil)
	m2.PeerReady(now, outbound(2), nil)
	m2.Tick(now, nil)
	m2.Headers(now, 2, hs, nil)
	if out := m2.Tick(now.Add(time.Hour), nil); find(out, Disconnect, 2) != nil {
		t.Fatal("a caught-up peer was disconnected")
	}
	if s, _ := m2.Peer(2); !s.Protected {
		t.Fatal("a full-relay peer at our tip is not protected")
	}
}

// During initial sync an outbound peer whose whole chain is below the
// minimum chain work is dropped.
func TestInsufficientWork(t *testing.T) {
	p := regtest(t)
	p.MinimumChainWork = headerchain.BlockProof(0x207fffff).Add(headerchain.BlockProof(0x207fffff)).Add(headerchain.BlockProof(0x207fffff)).Add(headerchain.BlockProof(0x207fffff)).Add(headerchain.BlockProof(0x207fffff)).Big()
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	out := m.Headers(t0, 1, mine(t, p.GenesisHash, t0.Add(-time.Hour), 2, 1), nil)
	wantReason(t, find(out, Disconnect, 1), ErrInsufficientWork)
}

// answer is a peer's reply to a getheaders over chain (which starts on
// genesis): the headers after the locator's first hash it has.
func answer(genesis protocol.Hash, chain []protocol.BlockHeader, locator []protocol.Hash) []protocol.BlockHeader {
	from := 0
	if locator[0] != genesis {
		for i := range chain {
			if chain[i].BlockHash() == locator[0] {
				from = i + 1
			}
		}
	}
	return chain[from:min(from+headerchain.MaxHeadersResults, len(chain))]
}

// Core's low-work headers sync: a chain below the minimum chain work is
// downloaded without being stored; one that ends short is dropped, one
// that reaches the work is downloaded again and released to the index.
func TestPresync(t *testing.T) {
	p := regtest(t)
	chain := mine(t, p.GenesisHash, t0.Add(-3000*10*time.Minute), 3000, 1)
	proof := headerchain.BlockProof(0x207fffff)
	workOf := func(n int) headerchain.Uint256 {
		w := proof // genesis
		for range n {
			w = w.Add(proof)
		}
		return w
	}
	for _, tc := range []struct {
		name    string
		minWork headerchain.Uint256
		height  int32
	}{
		{"chain too short", workOf(5000), 0},
		{"chain with enough work", workOf(3000), 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			q.MinimumChainWork = tc.minWork.Big()
			ix, _ := headerchain.New(q)
			m := New(ix, Config{Params: q, Rand: func() presync.Rand { return rand.NewPCG(1, 2) }})
			out := m.PeerReady(t0, outbound(1), nil)
			gh := getHeaders(out, 1)
			for range 10 {
				if gh == nil {
					break
				}
				out = m.Headers(t0, 1, answer(p.GenesisHash, chain, gh.BlockLocatorHashes), nil)
				if a := find(out, Persist, 1); a != nil && m.Index().Tip().Height < 3000 && tc.height == 0 {
					t.Fatalf("low-work headers stored: %d", a.Added)
				}
				gh = getHeaders(out, 1)
			}
			if got := m.Index().Tip().Height; got != tc.height {
				t.Fatalf("index height %d, want %d", got, tc.height)
			}
			if m.Stats().Presyncs != 1 {
				t.Fatalf("presyncs %d", m.Stats().Presyncs)
			}
		})
	}
	// A short low-work message is ignored, no sync started.
	q := p
	q.MinimumChainWork = workOf(5000).Big()
	ix, _ := headerchain.New(q)
	m := New(ix, Config{Params: q, Rand: func() presync.Rand { return rand.NewPCG(1, 2) }})
	m.PeerReady(t0, outbound(1), nil)
	m.Headers(t0, 1, chain[:10], nil)
	if st := m.Stats(); st.Presyncs != 0 || st.LowWorkIgnored != 1 || m.Index().Tip().Height != 0 {
		t.Fatalf("short low-work message: %+v, height %d", st, m.Index().Tip().Height)
	}
}

// A compact block's header: one that connects is added; one that does not
// asks for headers only once sync is recent (Core's cmpctblock handler).
func TestCompactBlockHeader(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 3, 1)
	m.Headers(t0, 1, nil, nil) // answers the initial getheaders
	// Behind (genesis from 2011): an unconnecting one is dropped.
	if out := m.CompactBlock(t0, 1, hs[2], nil); len(out) != 0 {
		t.Fatalf("unconnecting compact block while behind: %+v", out)
	}
	out := m.CompactBlock(t0, 1, hs[0], nil)
	if find(out, Persist, 1) == nil || m.Index().Tip().Height != 1 {
		t.Fatalf("connecting compact block: %+v", out)
	}
	// Recent now: an unconnecting one asks for headers.
	out = m.CompactBlock(t0, 1, hs[2], nil)
	if gh := getHeaders(out, 1); gh == nil || gh.BlockLocatorHashes[0] != hs[0].BlockHash() {
		t.Fatalf("unconnecting compact block once recent: %+v", out)
	}
}

// sendheaders goes to a peer once, after it showed a chain with more than
// the minimum chain work (Core's MaybeSendSendHeaders), and never to a peer
// too old for BIP130.
func TestSendHeadersOnce(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	sendHeaders := func(out []Action, peer uint64) int {
		n := 0
		for _, a := range out {
			if _, ok := a.Msg.(*protocol.MsgSendHeaders); ok && a.Peer == peer {
				n++
			}
		}
		return n
	}
	old := outbound(2)
	old.Version = 70011
	if out := m.PeerReady(t0, outbound(1), nil); sendHeaders(out, 1) != 0 {
		t.Fatal("sendheaders before the peer showed any chain")
	}
	m.PeerReady(t0, old, nil)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 2, 1)
	if out := m.Headers(t0, 1, hs[:1], nil); sendHeaders(out, 1) != 1 {
		t.Fatalf("no sendheaders after the peer's headers: %+v", out)
	}
	if out := append(m.Headers(t0, 1, hs[1:], nil), m.Tick(t0, nil)...); sendHeaders(out, 1) != 0 {
		t.Fatal("sendheaders sent twice")
	}
	if out := append(m.BlockInv(t0, 2, []protocol.Hash{hs[1].BlockHash()}, nil), m.Tick(t0, nil)...); sendHeaders(out, 2) != 0 {
		t.Fatal("sendheaders to a peer before BIP130")
	}
}
