package machine

import (
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// A peer sync has not started with takes its one inv-triggered turn only
// when the getheaders goes out (Core records
// m_inv_triggered_getheaders_before_sync and
// m_last_block_inv_triggering_headers_sync only then): with one in flight
// it keeps its turn, and the block may still bring in another peer.
func TestBlockInvTurnNeedsGetHeadersSent(t *testing.T) {
	p := regtest(t)
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil) // the sync peer
	m.PeerReady(t0, inbound(2), nil)
	m.PeerReady(t0, inbound(3), nil)
	orphan := mine(t, protocol.Hash{7}, t0.Add(-time.Hour), 1, 1)
	if out := m.Headers(t0, 2, orphan, nil); getHeaders(out, 2) == nil {
		t.Fatalf("an unconnecting header: %+v", out)
	}
	block := protocol.Hash{1}
	if out := m.BlockInv(t0, 2, []protocol.Hash{block}, nil); getHeaders(out, 2) != nil {
		t.Fatalf("a getheaders while one is in flight: %+v", out)
	}
	if out := m.BlockInv(t0, 3, []protocol.Hash{block}, nil); getHeaders(out, 3) == nil {
		t.Fatalf("peer 2 took the block's turn without a getheaders: %+v", out)
	}
	m.Headers(t0, 2, nil, nil) // answers its getheaders
	if out := m.BlockInv(t0, 2, []protocol.Hash{{2}}, nil); getHeaders(out, 2) == nil {
		t.Fatalf("peer 2 lost its turn: %+v", out)
	}
}
