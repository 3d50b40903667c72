package chain

import (
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/actornode/actornode/protocol"
)

func network(t *testing.T, name string) protocol.Params {
	t.Helper()
	p, err := protocol.Network(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newServer(t *testing.T, name string) (*server, protocol.Params) {
	t.Helper()
	p := network(t, name)
	c, err := newChain(p)
	if err != nil {
		t.Fatal(err)
	}
	return &server{chain: c}, p
}

// getBlocksMsg builds a getblocks message.
func getBlocksMsg(locator []protocol.Hash, stop protocol.Hash) *protocol.MsgGetBlocks {
	return &protocol.MsgGetBlocks{ProtocolVersion: protocol.ProtocolVersion, BlockLocatorHashes: locator, HashStop: stop}
}

func TestChainWork(t *testing.T) {
	// Core's getblockheader "chainwork" of each genesis block.
	for _, tc := range []struct {
		network string
		work    string
		below   bool
	}{
		{network: protocol.NameMainnet, work: "100010001", below: true},
		{network: protocol.NameTestnet3, work: "100010001", below: true},
		{network: protocol.NameTestnet4, work: "100010001", below: true},
		{network: protocol.NameSignet, work: "49d414", below: true},
		{network: protocol.NameRegtest, work: "2", below: false},
	} {
		t.Run(tc.network, func(t *testing.T) {
			c, err := newChain(network(t, tc.network))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%x", c.work); got != tc.work {
				t.Errorf("chain work %s, want %s", got, tc.work)
			}
			minWork := network(t, tc.network).MinimumChainWork
			if below := minWork != nil && c.work.Cmp(minWork) < 0; below != tc.below {
				t.Errorf("below minimum work: %v, want %v", below, tc.below)
			}
		})
	}
}

func TestNewChainRejectsBadGenesis(t *testing.T) {
	p := network(t, protocol.NameRegtest)
	for _, tc := range []struct {
		name   string
		mutate func(*protocol.Params)
	}{
		{name: "missing", mutate: func(p *protocol.Params) { p.GenesisBlock = nil }},
		{name: "wrong hash", mutate: func(p *protocol.Params) { p.GenesisHash[0] ^= 1 }},
		{name: "no transaction count", mutate: func(p *protocol.Params) { p.GenesisBlock = p.GenesisBlock[:protocol.BlockHeaderSize] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			q.GenesisBlock = append([]byte(nil), p.GenesisBlock...)
			tc.mutate(&q)
			if _, err := newChain(q); err == nil {
				t.Fatal("newChain accepted a bad genesis block")
			}
		})
	}
}

func TestGetBlocks(t *testing.T) {
	s, p := newServer(t, protocol.NameRegtest)
	for _, tc := range []struct {
		name string
		msg  *protocol.MsgGetBlocks
		err  error // nil: nothing to send
	}{
		{name: "locator genesis", msg: getBlocksMsg([]protocol.Hash{p.GenesisHash}, protocol.Hash{})},
		{name: "locator genesis, hash_stop genesis", msg: getBlocksMsg([]protocol.Hash{p.GenesisHash}, p.GenesisHash)},
		{name: "locator unknown", msg: getBlocksMsg([]protocol.Hash{{9}}, protocol.Hash{})},
		{name: "empty locator", msg: getBlocksMsg(nil, protocol.Hash{})},
		{name: "101 hashes", msg: getBlocksMsg(make([]protocol.Hash, protocol.MaxLocatorHashes), protocol.Hash{})},
		{name: "102 hashes", msg: getBlocksMsg(make([]protocol.Hash, protocol.MaxLocatorHashes+1), protocol.Hash{}),
			err: ErrLocatorTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := s.getBlocks(tc.msg)
			if reply != nil {
				t.Errorf("reply %+v, want none from a chain of genesis", reply)
			}
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
	if s.n.getBlocks != 6 || s.n.disconnects != 1 || s.n.unanswered != 5 || s.n.invMsgs != 0 {
		t.Errorf("counters %+v", s.n)
	}
}

// reply describes one message getData produced, for comparing.
func describe(m protocol.Message) string {
	switch m := m.(type) {
	case *protocol.MsgRaw:
		if m.Cmd == protocol.CmdBlock && len(m.Payload) >= protocol.BlockHeaderSize {
			return "block " + protocol.DoubleSHA256(m.Payload[:protocol.BlockHeaderSize]).String()[:8]
		}
		return m.Cmd
	case *protocol.MsgNotFound:
		s := "notfound"
		for _, inv := range m.InvList {
			s += fmt.Sprintf(" %s:%x", inv.Type, inv.Hash[0])
		}
		return s
	}
	return m.Command()
}

func TestGetData(t *testing.T) {
	p := network(t, protocol.NameRegtest)
	g := p.GenesisHash
	short := "block " + g.String()[:8]
	unknown := protocol.Hash{0xee}
	inv := func(typ protocol.InvType, h protocol.Hash) protocol.InvVect {
		return protocol.InvVect{Type: typ, Hash: h}
	}
	tx := func(b byte) protocol.InvVect { return inv(protocol.InvTypeTx, protocol.Hash{b}) }
	for _, tc := range []struct {
		name       string
		invs       []protocol.InvVect
		want       []string
		disconnect error
	}{
		{name: "block", invs: []protocol.InvVect{inv(protocol.InvTypeBlock, g)}, want: []string{short}},
		{name: "witness block", invs: []protocol.InvVect{inv(protocol.InvTypeWitnessBlock, g)}, want: []string{short}},
		{name: "compact block", invs: []protocol.InvVect{inv(protocol.InvTypeCmpctBlock, g)}, want: []string{short}},
		{name: "unknown block", invs: []protocol.InvVect{inv(protocol.InvTypeBlock, unknown)}},
		{name: "unknown witness block", invs: []protocol.InvVect{inv(protocol.InvTypeWitnessBlock, unknown)}},
		{name: "tx, wtx, witness tx", invs: []protocol.InvVect{tx(1), inv(protocol.InvTypeWTx, protocol.Hash{2}), inv(protocol.InvTypeWitnessTx, protocol.Hash{3})},
			want: []string{"notfound tx:1 wtx:2 witness-tx:3"}},
		{name: "Core's rounds", invs: []protocol.InvVect{tx(1), inv(protocol.InvTypeBlock, g), tx(2), tx(3), inv(protocol.InvTypeBlock, unknown), tx(4)},
			want: []string{short, "notfound tx:1", "notfound tx:2 tx:3", "notfound tx:4"}},
		{name: "unknown types dropped", invs: []protocol.InvVect{inv(protocol.InvTypeFilteredWitnessBlock, g), inv(0x77, g), inv(protocol.InvTypeError, g), tx(5)},
			want: []string{"notfound tx:5"}},
		{name: "filtered block disconnects", invs: []protocol.InvVect{tx(1), inv(protocol.InvTypeFilteredBlock, unknown), inv(protocol.InvTypeBlock, g)},
			want: []string{"notfound tx:1"}, disconnect: ErrFilteredBlockRequest},
		{name: "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &server{chain: mustChain(t, p)}
			outs, err := allPasses(t, s, tc.invs)
			if !errors.Is(err, tc.disconnect) || (err == nil) != (tc.disconnect == nil) {
				t.Errorf("disconnect %v, want %v", err, tc.disconnect)
			}
			var got []string
			for _, m := range outs {
				got = append(got, describe(m))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("replies %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGetDataBlockIsACopy(t *testing.T) {
	p := network(t, protocol.NameRegtest)
	s := &server{chain: mustChain(t, p)}
	req := []protocol.InvVect{{Type: protocol.InvTypeBlock, Hash: p.GenesisHash}}
	outs, _, _ := s.getData(req, nil)
	outs[0].(*protocol.MsgRaw).Payload[0] ^= 0xff
	outs, _, _ = s.getData(req, nil)
	block := outs[0].(*protocol.MsgRaw).Payload
	if string(block) != string(p.GenesisBlock) {
		t.Fatal("a sent block shares memory with the chain")
	}
	if s.n.blocks != 2 {
		t.Errorf("counters %+v", s.n)
	}
}

// allPasses runs getData's passes until the queue is empty, as the actor
// does across continuations.
func allPasses(t *testing.T, s *server, invs []protocol.InvVect) ([]protocol.Message, error) {
	t.Helper()
	var outs []protocol.Message
	for range len(invs) + 1 {
		var err error
		outs, invs, err = s.getData(invs, outs)
		if err != nil || len(invs) == 0 {
			return outs, err
		}
	}
	t.Fatal("getdata passes did not end")
	return nil, nil
}

// One pass serves at most one block, whatever the length of the list.
func TestGetDataOneBlockPerPass(t *testing.T) {
	p := network(t, protocol.NameRegtest)
	s := &server{chain: mustChain(t, p)}
	invs := make([]protocol.InvVect, protocol.MaxInvPerMsg)
	for i := range invs {
		invs[i] = protocol.InvVect{Type: protocol.InvTypeBlock, Hash: p.GenesisHash}
	}
	invs[0].Type = protocol.InvTypeTx
	outs, rest, err := s.getData(invs, nil)
	if err != nil || len(outs) != 2 || len(rest) != len(invs)-2 || &rest[0] != &invs[2] {
		t.Fatalf("pass: %d replies, %d left, %v", len(outs), len(rest), err)
	}
}

func TestEmptyChain(t *testing.T) {
	s := &server{chain: emptyChain()}
	if inv, err := s.getBlocks(getBlocksMsg(nil, protocol.Hash{})); inv != nil || err != nil {
		t.Errorf("getblocks: %v %v", inv, err)
	}
	outs, rest, err := s.getData([]protocol.InvVect{{Type: protocol.InvTypeBlock}}, nil)
	if len(outs) != 0 || len(rest) != 0 || err != nil {
		t.Errorf("getdata: %v %v", outs, err)
	}
	if s.chain.tipHeight() != -1 || s.chain.work.Cmp(new(big.Int)) != 0 {
		t.Errorf("empty chain height %d work %v", s.chain.tipHeight(), s.chain.work)
	}
}

func mustChain(t *testing.T, p protocol.Params) *chain {
	t.Helper()
	c, err := newChain(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
