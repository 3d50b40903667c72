package machine

import (
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// invTo returns the block hash of the inv sent to peer among out, if any.
func invTo(out []Action, peer uint64) (protocol.Hash, bool) {
	if s := find(out, Send, peer); s != nil {
		if inv, ok := s.Msg.(*protocol.MsgInv); ok && len(inv.InvList) == 1 {
			return inv.InvList[0].Hash, true
		}
	}
	return protocol.Hash{}, false
}

// headersTo returns the headers message sent to peer among out, or nil.
func headersTo(out []Action, peer uint64) *protocol.MsgHeaders {
	for i := range out {
		if out[i].Kind == Send && out[i].Peer == peer {
			if h, ok := out[i].Msg.(*protocol.MsgHeaders); ok {
				return h
			}
		}
	}
	return nil
}

// headersAnnounced returns the hashes of the headers announced to peer.
func headersAnnounced(out []Action, peer uint64) []protocol.Hash {
	h := headersTo(out, peer)
	if h == nil {
		return nil
	}
	return hashesOf(h.Headers)
}

func hashesOf(hs []protocol.BlockHeader) []protocol.Hash {
	out := make([]protocol.Hash, len(hs))
	for i := range hs {
		out[i] = hs[i].BlockHash()
	}
	return out
}

// A block a peer announced by inv while we lacked it is not announced back
// to it once we have it: Core's SendMessages runs ProcessBlockAvailability
// before it looks at what the peer has.
func TestAnnounceNotBackToInvSender(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, false)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 4, 1)
	m.Headers(t0, 1, hs[:3], nil)
	m.BlockInv(t0, 2, []protocol.Hash{hs[3].BlockHash()}, nil)
	out := m.Headers(t0, 1, hs[3:], nil)
	if find(out, NewTip, 1) == nil {
		t.Fatalf("no new tip: %+v", out)
	}
	if s := find(out, Send, 2); s != nil {
		t.Fatalf("peer 2 announced the block back: %+v", s)
	}
}

// After an inv (a reorg of more than MaxBlocksToAnnounce blocks), the peer
// is not known to have the tip: Core sets pindexBestHeaderSent for headers
// only, so the next block goes by inv too, until a getheaders answer
// reaches the tip.
func TestAnnounceInvIsNotHeadersSent(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, true)
	main := mine(t, p.GenesisHash, t0.Add(-3*time.Hour), 10, 1)
	m.Headers(t0, 1, main, nil)
	m.GetHeaders(t0, 2, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil) // peer 2 has the tip
	// 9 of 10 replaced by 10 new: an inv of the tip.
	fork := mine(t, main[0].BlockHash(), t0.Add(-2*time.Hour), 10, 2)
	out := m.Headers(t0, 1, fork, nil)
	if h, ok := invTo(out, 2); !ok || h != fork[9].BlockHash() {
		t.Fatalf("a reorg by 10: %+v", out)
	}
	next := mine(t, fork[9].BlockHash(), t0.Add(-10*time.Minute), 2, 2)
	out = m.Headers(t0, 1, next[:1], nil)
	if h, ok := invTo(out, 2); !ok || h != next[0].BlockHash() {
		t.Fatalf("the block after an inv: want an inv, got %+v", out)
	}
	m.GetHeaders(t0, 2, []protocol.Hash{next[0].BlockHash()}, protocol.Hash{}, nil) // empty answer at the tip
	out = m.Headers(t0, 1, next[1:], nil)
	if got := headersAnnounced(out, 2); !slices.Equal(got, hashesOf(next[1:])) {
		t.Fatalf("after a getheaders up to the tip: want headers, got %+v", out)
	}
}

// Of a reorg's new blocks only the last MaxBlocksToAnnounce count (Core's
// UpdatedBlockTip): a peer that has the ones before them gets headers of
// the rest, not an inv.
func TestAnnounceLastBlocksOfReorg(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, true)
	main := mine(t, p.GenesisHash, t0.Add(-3*time.Hour), 10, 1)
	m.Headers(t0, 1, main, nil)
	// Peer 2 sends the first 3 of a fork from height 7: as much work as
	// our tip, so not followed, but it has them.
	fork := mine(t, main[6].BlockHash(), t0.Add(-2*time.Hour), 10, 2)
	if out := m.Headers(t0, 2, fork[:3], nil); find(out, NewTip, 2) != nil {
		t.Fatalf("an equal-work fork moved the tip: %+v", out)
	}
	out := m.Headers(t0, 1, fork, nil)
	if got := headersAnnounced(out, 2); !slices.Equal(got, hashesOf(fork[3:])) {
		t.Fatalf("a reorg by 10 of which peer 2 has 3: want the other 7 headers, got %+v", out)
	}
	if find(out, Send, 1) != nil {
		t.Fatalf("the source was announced to: %+v", out)
	}
}

// Core refuses a headers message at its first bad header without marking
// the peer as having the good ones before it: a header from the future
// (not punished) leaves the peer to be told of the new tip like any other;
// one that breaks a rule gets the peer punished and told nothing.
func TestRefusedMessageLeavesPeerUnaware(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, false)
	m.PeerReady(t0, inbound(3), nil)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 3, 1)
	m.Headers(t0, 1, hs[:1], nil)
	future := mine(t, hs[1].BlockHash(), t0.Add(3*time.Hour), 1, 1)
	out := m.Headers(t0, 2, []protocol.BlockHeader{hs[1], future[0]}, nil)
	if find(out, Misbehave, 2) != nil {
		t.Fatalf("a header from the future was punished: %+v", out)
	}
	if h, ok := invTo(out, 2); !ok || h != hs[1].BlockHash() {
		t.Fatalf("the sender of [good, future] is not told of the good one: %+v", out)
	}
	// Version 1 at height 4 breaks BIP34 (height 1 on regtest).
	good := hs[2]
	bad := mine(t, good.BlockHash(), t0.Add(-time.Hour+30*time.Minute), 1, 2)[0]
	bad.Version = 1
	for bad.Nonce = 0; !headerchain.CheckProofOfWork(bad.BlockHash(), bad.Bits, p.Consensus); bad.Nonce++ {
	}
	out = m.Headers(t0, 3, []protocol.BlockHeader{good, bad}, nil)
	if find(out, NewTip, 3) == nil {
		t.Fatalf("the good header was not kept: %+v", out)
	}
	wantReason(t, find(out, Misbehave, 3), headerchain.ErrBadVersion)
	if find(out, Send, 3) != nil {
		t.Fatalf("a punished peer was announced to: %+v", out)
	}
}

// The end of initial sync latches, as Core's IsInitialBlockDownload does:
// a day after the best header was last recent, a new one, older than a
// day, is still announced.
func TestAnnounceAfterInitialSyncLatched(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, false)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 3, 1)
	m.Headers(t0, 1, hs[:2], nil)
	if m.InitialSync(t0) {
		t.Fatal("a recent best header counts as initial sync")
	}
	later := t0.Add(48 * time.Hour)
	if m.InitialSync(later) {
		t.Fatal("initial sync came back when the best header grew old")
	}
	out := m.Headers(later, 1, hs[2:], nil)
	if h, ok := invTo(out, 2); !ok || h != hs[2].BlockHash() {
		t.Fatalf("a new best header after initial sync ended was not announced: %+v", out)
	}
}

// How a new tip is announced is decided here alone, as in Core's
// SendMessages: three new blocks at once reach a peer that sent
// sendheaders as one headers message of the three, any other peer as an
// inv of the last. A sendheaders from before the peer was ready (it may
// come before verack) counts.
func TestAnnounceHeadersOrInv(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		sendHeaders, beforeReady bool
	}{
		{name: "no sendheaders"},
		{name: "sendheaders", sendHeaders: true},
		{name: "sendheaders before ready", sendHeaders: true, beforeReady: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := regtest(t)
			m := newMachine(t, p)
			m.PeerReady(t0, outbound(1), nil)
			hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 4, 1)
			m.Headers(t0, 1, hs[:1], nil)
			if tc.sendHeaders && tc.beforeReady {
				m.SendHeaders(2)
			}
			m.PeerReady(t0, inbound(2), nil)
			if tc.sendHeaders && !tc.beforeReady {
				m.SendHeaders(2)
			}
			m.GetHeaders(t0, 2, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil) // peer 2 has the tip
			out := m.Headers(t0, 1, hs[1:], nil)
			if n := count(out, Send, 2); n != 1 {
				t.Fatalf("%d messages to peer 2, want 1: %+v", n, out)
			}
			if !tc.sendHeaders {
				if h, ok := invTo(out, 2); !ok || h != hs[3].BlockHash() {
					t.Fatalf("want an inv of the tip, got %+v", out)
				}
				return
			}
			if got := headersAnnounced(out, 2); !slices.Equal(got, hashesOf(hs[1:])) {
				t.Fatalf("want the three headers, got %+v", out)
			}
		})
	}
}

// Core counts only headers as sent (pindexBestHeaderSent): a peer that got
// a block by inv and then sends sendheaders is not known to have that
// block, so the next one, whose parent it lacks, goes by inv too; once a
// getheaders of its own reached the tip, headers follow.
func TestSendHeadersAfterInv(t *testing.T) {
	p := regtest(t)
	m := newPair(t, p, false)
	hs := mine(t, p.GenesisHash, t0.Add(-time.Hour), 4, 1)
	m.Headers(t0, 1, hs[:1], nil)
	m.GetHeaders(t0, 2, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil) // peer 2 has the tip
	out := m.Headers(t0, 1, hs[1:2], nil)
	if h, ok := invTo(out, 2); !ok || h != hs[1].BlockHash() {
		t.Fatalf("before sendheaders: want an inv, got %+v", out)
	}
	m.SendHeaders(2)
	out = m.Headers(t0, 1, hs[2:3], nil)
	if h, ok := invTo(out, 2); !ok || h != hs[2].BlockHash() {
		t.Fatalf("sendheaders after an inv: want an inv of the next block, got %+v", out)
	}
	m.GetHeaders(t0, 2, []protocol.Hash{hs[1].BlockHash()}, protocol.Hash{}, nil) // up to the tip
	out = m.Headers(t0, 1, hs[3:], nil)
	if got := headersAnnounced(out, 2); !slices.Equal(got, hashesOf(hs[3:])) {
		t.Fatalf("after a getheaders answer up to the tip: want headers, got %+v", out)
	}
}

// count returns how many actions of kind out holds for peer.
func count(out []Action, kind Kind, peer uint64) int {
	n := 0
	for i := range out {
		if out[i].Kind == kind && out[i].Peer == peer {
			n++
		}
	}
	return n
}
