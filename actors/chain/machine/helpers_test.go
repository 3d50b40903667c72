package machine

import (
	"errors"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// t0 is the tests' clock at the start: later than any header they mine
// from regtest's genesis, so sync starts out behind.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func regtest(t testing.TB) protocol.Params {
	t.Helper()
	p, err := protocol.Network(protocol.NameRegtest)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newMachine(t testing.TB, p protocol.Params) *Machine {
	t.Helper()
	ix, err := headerchain.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return New(ix, Config{Params: p})
}

// mine returns n valid regtest headers after prev, the first at time
// start, the next ones 10 minutes apart; salt tells branches apart.
func mine(t testing.TB, prev protocol.Hash, start time.Time, n int, salt byte) []protocol.BlockHeader {
	t.Helper()
	limit := headerchain.Uint256FromHash(regtest(t).Consensus.PowLimit)
	hs := make([]protocol.BlockHeader, n)
	for i := range hs {
		h := protocol.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: uint32(start.Add(time.Duration(i) * 10 * time.Minute).Unix()), Bits: 0x207fffff}
		h.MerkleRoot[0] = salt
		for nonce := uint32(0); ; nonce++ {
			h.Nonce = nonce
			if headerchain.Uint256FromHash(h.BlockHash()).Cmp(limit) <= 0 {
				break
			}
		}
		hs[i] = h
		prev = h.BlockHash()
	}
	return hs
}

// newPair returns a machine with two ready peers: outbound 1, the source of
// new headers, and inbound 2, the one they are announced to, which sent
// sendheaders when prefersHeaders is set.
func newPair(t testing.TB, p protocol.Params, prefersHeaders bool) *Machine {
	t.Helper()
	m := newMachine(t, p)
	m.PeerReady(t0, outbound(1), nil)
	m.PeerReady(t0, inbound(2), nil)
	if prefersHeaders {
		m.SendHeaders(2)
	}
	return m
}

func outbound(id uint64) Peer {
	return Peer{ID: id, Conn: ConnOutboundFullRelay, Services: protocol.SFNodeNetwork, Version: int32(protocol.ProtocolVersion)}
}

func inbound(id uint64) Peer {
	return Peer{ID: id, Conn: ConnInbound, Services: protocol.SFNodeNetwork, Version: int32(protocol.ProtocolVersion)}
}

// getHeaders returns the getheaders sent to peer among out, or nil.
func getHeaders(out []Action, peer uint64) *protocol.MsgGetHeaders {
	for _, a := range out {
		if a.Kind == Send && a.Peer == peer {
			if m, ok := a.Msg.(*protocol.MsgGetHeaders); ok {
				return m
			}
		}
	}
	return nil
}

// find returns the first action of kind for peer.
func find(out []Action, kind Kind, peer uint64) *Action {
	for i := range out {
		if out[i].Kind == kind && out[i].Peer == peer {
			return &out[i]
		}
	}
	return nil
}

func wantReason(t *testing.T, a *Action, reason error) {
	t.Helper()
	if a == nil {
		t.Fatalf("no action, want one for %v", reason)
	}
	if !errors.Is(a.Reason, reason) {
		t.Fatalf("reason %v, want %v", a.Reason, reason)
	}
}
