package machine

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerchain/presync"
	"github.com/actornode/actornode/protocol"
)

// unsolved returns h with a nonce that puts its hash above its target.
func unsolved(t *testing.T, h protocol.BlockHeader) protocol.BlockHeader {
	t.Helper()
	for h.Nonce = 0; headerchain.CheckProofOfWork(h.BlockHash(), h.Bits, regtest(t).Consensus); h.Nonce++ {
	}
	return h
}

func presyncMachine(t *testing.T, p protocol.Params) *Machine {
	t.Helper()
	ix, err := headerchain.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return New(ix, Config{Params: p, Rand: func() presync.Rand { return rand.NewPCG(1, 2) }})
}

// Core's cmpctblock handler looks for the parent, then at the chain's
// work, before it checks the header: a compact block that does not
// connect, or whose chain has too little work, is never punished, whatever
// its proof of work; one on our tip with a bad proof of work is.
func TestCompactBlockParentAndWorkFirst(t *testing.T) {
	p := regtest(t)
	m := presyncMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	m.Headers(t0, 1, nil, nil) // answers the initial getheaders
	hs := mine(t, p.GenesisHash, t0.Add(-200*10*time.Minute), 200, 1)
	m.Headers(t0, 1, hs, nil) // recent: out of initial sync
	stray := unsolved(t, mine(t, protocol.Hash{9}, t0.Add(-time.Hour), 1, 2)[0])
	out := m.CompactBlock(t0, 1, stray, nil)
	if find(out, Misbehave, 1) != nil || getHeaders(out, 1) == nil {
		t.Fatalf("an unconnecting compact block with a bad proof of work: %+v", out)
	}
	m.Headers(t0, 1, nil, nil)
	low := unsolved(t, mine(t, hs[9].BlockHash(), t0.Add(-time.Hour), 1, 3)[0]) // height 11 of 200
	if out := m.CompactBlock(t0, 1, low, nil); len(out) != 0 {
		t.Fatalf("a low-work compact block with a bad proof of work: %+v", out)
	}
	if m.Stats().LowWorkIgnored != 1 {
		t.Fatalf("low work ignored %d", m.Stats().LowWorkIgnored)
	}
	bad := unsolved(t, mine(t, hs[199].BlockHash(), t0.Add(-time.Minute), 1, 4)[0])
	out = m.CompactBlock(t0, 1, bad, nil)
	wantReason(t, find(out, Misbehave, 1), headerchain.ErrHighHash)
}

// A compact block's header does not feed the peer's low-work headers sync
// (Core hands only headers messages to it): with a presync of a deep fork
// running, a compact block on our tip is followed and the presync goes on.
func TestCompactBlockLeavesPresyncAlone(t *testing.T) {
	p := regtest(t)
	m := presyncMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	m.Headers(t0, 1, nil, nil)
	n := headerchain.MaxHeadersResults + 200
	main := mine(t, p.GenesisHash, t0.Add(-time.Duration(n+1)*10*time.Minute), n, 1)
	for i := 0; i < n; i += headerchain.MaxHeadersResults {
		m.Headers(t0, 1, main[i:min(i+headerchain.MaxHeadersResults, n)], nil)
	}
	m.PeerReady(t0, inbound(2), nil)
	fork := mine(t, p.GenesisHash, t0.Add(-30000*time.Minute), headerchain.MaxHeadersResults, 2)
	m.Headers(t0, 2, fork, nil)
	if st, _ := m.Peer(2); st.Presync == "" {
		t.Fatalf("no presync of the deep fork: %+v", st)
	}
	next := mine(t, main[n-1].BlockHash(), t0.Add(-5*time.Minute), 1, 1)[0]
	out := m.CompactBlock(t0, 2, next, nil)
	if find(out, NewTip, 2) == nil {
		t.Fatalf("a compact block on our tip was not followed: %+v", out)
	}
	if st, _ := m.Peer(2); st.Presync == "" || st.PresyncHeight != int64(headerchain.MaxHeadersResults) {
		t.Fatalf("a compact block disturbed the presync: %+v", st)
	}
}
