package machine

import (
	"errors"
	"testing"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// failingSource keeps headers in memory but fails reads once told to, as
// a damaged header store would.
type failingSource struct {
	headerchain.MemorySource
	fail bool
}

func (s *failingSource) ReadRecords(dst []protocol.BlockHeader, n int64) error {
	if s.fail {
		return errors.New("injected read fault")
	}
	return s.MemorySource.ReadRecords(dst, n)
}

// Headers the index cannot read back are not served: a getheaders gets no
// answer, and a new tip is announced by inv rather than by headers.
func TestHeadersUnreadable(t *testing.T) {
	p := regtest(t)
	src := &failingSource{}
	ix, err := headerchain.New(p, headerchain.WithSource(src))
	if err != nil {
		t.Fatal(err)
	}
	m := New(ix, Config{Params: p})
	m.PeerReady(t0, inbound(1), nil)
	m.SendHeaders(1)
	hs := mine(t, p.GenesisHash, t0, 3, 1)
	m.Headers(t0, 9, hs[:2], nil)
	// The peer has the tip: the next one would be announced as a header.
	m.GetHeaders(t0, 1, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil)

	src.fail = true
	if out := m.GetHeaders(t0, 1, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, nil); find(out, Send, 1) != nil {
		t.Fatalf("an answer from an unreadable store: %+v", out)
	}
	out := m.Headers(t0, 9, hs[2:], nil)
	if headersTo(out, 1) != nil {
		t.Fatal("headers announced from an unreadable store")
	}
	a := find(out, Send, 1)
	if a == nil {
		t.Fatalf("no inv of the new tip: %+v", out)
	}
	if inv, ok := a.Msg.(*protocol.MsgInv); !ok || inv.InvList[0].Hash != hs[2].BlockHash() {
		t.Fatalf("announcement %+v, want an inv of the tip", a.Msg)
	}
}
