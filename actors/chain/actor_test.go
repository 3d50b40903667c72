package chain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

func TestMain(m *testing.M) { actortest.VerifyNoLeaks(m) }

const wait = 5 * time.Second

func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

func network(t *testing.T, name string) protocol.Params {
	t.Helper()
	p, err := protocol.Network(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture is a chain actor and a probe standing in for the peer that sent
// the requests.
type fixture struct {
	system *actor.ActorSystem
	chain  *actor.PID
	peer   *actortest.Probe
	params protocol.Params
}

func newFixture(t *testing.T, net string) *fixture {
	t.Helper()
	system := newSystem(t)
	params := network(t, net)
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zaptest.NewLogger(t)}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return &fixture{system: system, chain: pid, peer: actortest.NewProbe(t, system), params: params}
}

// deliver hands msg to the chain actor as if the dispatcher routed it from
// peer 7.
func (f *fixture) deliver(msg protocol.Message) {
	f.system.Root.Send(f.chain, &dispatcher.Deliver{
		From: dispatcher.Sender{ID: 7, PID: f.peer.PID(), Inbound: true},
		Msg:  msg,
	})
}

// expectSend returns the message of the next *peer.SendMessage the peer gets.
func expectSend[T protocol.Message](t *testing.T, p *actortest.Probe) T {
	t.Helper()
	sm := actortest.Expect[*peer.SendMessage](t, p, wait)
	m, ok := sm.Msg.(T)
	if !ok {
		var zero T
		t.Fatalf("peer was sent %T (%s), want %T", sm.Msg, sm.Msg.Command(), zero)
	}
	return m
}

// expectNothingBefore checks that the actor sent the peer nothing for the
// requests delivered so far: it asks for a transaction, whose notfound must
// then be the very next message the peer gets (the actor handles its mailbox
// in order).
func (f *fixture) expectNothingBefore(t *testing.T) {
	t.Helper()
	marker := protocol.Hash{0x6d, 0x61, 0x72, 0x6b}
	f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeTx, Hash: marker}}})
	// Skip the handlers' Handled: every other message counts.
	next := actortest.ExpectMatch(t, f.peer, wait, func(m any) bool {
		_, handled := m.(*dispatcher.Handled)
		return !handled
	})
	sm, ok := next.(*peer.SendMessage)
	if !ok {
		t.Fatalf("peer got %T before the marker's notfound", next)
	}
	nf, ok := sm.Msg.(*protocol.MsgNotFound)
	if !ok || len(nf.InvList) != 1 || nf.InvList[0].Hash != marker {
		t.Fatalf("peer was sent %s %+v before the marker's notfound", sm.Msg.Command(), sm.Msg)
	}
}

// checkGenesisBlock fails unless m is a block message carrying exactly the
// network's genesis block.
func checkGenesisBlock(t *testing.T, m *protocol.MsgRaw, params protocol.Params) {
	t.Helper()
	if m.Cmd != protocol.CmdBlock {
		t.Fatalf("command %q, want block", m.Cmd)
	}
	if len(m.Payload) < protocol.BlockHeaderSize {
		t.Fatalf("block of %d bytes", len(m.Payload))
	}
	if got := protocol.DoubleSHA256(m.Payload[:protocol.BlockHeaderSize]); got != params.GenesisHash {
		t.Fatalf("block hashes to %s, want %s", got, params.GenesisHash)
	}
	if string(m.Payload) != string(params.GenesisBlock) {
		t.Fatalf("block payload differs from the genesis block")
	}
}

func TestGetDataServesGenesis(t *testing.T) {
	for _, typ := range []protocol.InvType{protocol.InvTypeBlock, protocol.InvTypeWitnessBlock, protocol.InvTypeCmpctBlock} {
		t.Run(typ.String(), func(t *testing.T) {
			f := newFixture(t, protocol.NameMainnet)
			f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{{Type: typ, Hash: f.params.GenesisHash}}})
			checkGenesisBlock(t, expectSend[*protocol.MsgRaw](t, f.peer), f.params)
			f.expectNothingBefore(t)
		})
	}
}

func TestGetDataUnknownBlockAndTx(t *testing.T) {
	f := newFixture(t, protocol.NameTestnet4)
	unknown := protocol.Hash{0xaa}
	txid := protocol.Hash{0xbb}
	f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{
		{Type: protocol.InvTypeBlock, Hash: unknown},
		{Type: protocol.InvTypeWitnessBlock, Hash: unknown},
	}})
	f.expectNothingBefore(t)

	f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{
		{Type: protocol.InvTypeWitnessTx, Hash: txid},
		{Type: protocol.InvTypeWitnessBlock, Hash: f.params.GenesisHash},
	}})
	checkGenesisBlock(t, expectSend[*protocol.MsgRaw](t, f.peer), f.params)
	nf := expectSend[*protocol.MsgNotFound](t, f.peer)
	if want := []protocol.InvVect{{Type: protocol.InvTypeWitnessTx, Hash: txid}}; !slices.Equal(nf.InvList, want) {
		t.Fatalf("notfound %+v, want %+v", nf.InvList, want)
	}
}

func TestGetDataFilteredBlockDisconnects(t *testing.T) {
	f := newFixture(t, protocol.NameSignet)
	f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeFilteredBlock, Hash: f.params.GenesisHash}}})
	d := actortest.Expect[*peer.Disconnect](t, f.peer, wait)
	if !errors.Is(d.Reason, chain.ErrFilteredBlockRequest) {
		t.Fatalf("disconnect reason %v", d.Reason)
	}
	actortest.ExpectNone[*peer.SendMessage](t, f.peer, 0)
}

func TestGetHeadersRegtest(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	genesis, err := f.params.GenesisHeader()
	if err != nil {
		t.Fatal(err)
	}

	// Empty locator: the one header hash_stop names.
	f.deliver(&protocol.MsgGetHeaders{ProtocolVersion: protocol.ProtocolVersion, HashStop: f.params.GenesisHash})
	h := expectSend[*protocol.MsgHeaders](t, f.peer)
	if len(h.Headers) != 1 || h.Headers[0] != genesis || h.Headers[0].BlockHash() != f.params.GenesisHash {
		t.Fatalf("headers %+v, want the genesis header", h.Headers)
	}

	// A locator we know, or do not: the headers after genesis, none.
	for _, locator := range [][]protocol.Hash{{f.params.GenesisHash}, {{0x42}}} {
		f.deliver(&protocol.MsgGetHeaders{BlockLocatorHashes: locator})
		if h := expectSend[*protocol.MsgHeaders](t, f.peer); len(h.Headers) != 0 {
			t.Fatalf("locator %v: %d headers, want none", locator, len(h.Headers))
		}
	}

	// Empty locator and a hash_stop we lack: no answer.
	f.deliver(&protocol.MsgGetHeaders{HashStop: protocol.Hash{0x42}})
	f.expectNothingBefore(t)
}

func TestGetHeadersBelowMinimumWork(t *testing.T) {
	f := newFixture(t, protocol.NameMainnet)
	f.deliver(&protocol.MsgGetHeaders{HashStop: f.params.GenesisHash})
	if h := expectSend[*protocol.MsgHeaders](t, f.peer); len(h.Headers) != 0 {
		t.Fatalf("%d headers, want an empty headers message", len(h.Headers))
	}
}

func TestGetBlocks(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	// Nothing after genesis: no inv, as Core.
	f.deliver(&protocol.MsgGetBlocks{ProtocolVersion: protocol.ProtocolVersion,
		BlockLocatorHashes: []protocol.Hash{f.params.GenesisHash}})
	f.deliver(&protocol.MsgGetBlocks{HashStop: f.params.GenesisHash})
	f.expectNothingBefore(t)

	// A locator too large to have come off the wire, built in process.
	f.deliver(&protocol.MsgGetBlocks{BlockLocatorHashes: make([]protocol.Hash, protocol.MaxLocatorHashes+1)})
	d := actortest.Expect[*peer.Disconnect](t, f.peer, wait)
	if !errors.Is(d.Reason, chain.ErrLocatorTooLarge) {
		t.Fatalf("disconnect reason %v", d.Reason)
	}
	actortest.ExpectNone[*peer.SendMessage](t, f.peer, 0)
}

// A raw getblocks (no longer what protocol.Decode returns for it) is not
// served: it is counted as unexpected.
func TestRawGetBlocksIsUnexpected(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	payload := (&protocol.MsgGetBlocks{BlockLocatorHashes: make([]protocol.Hash, protocol.MaxLocatorHashes+1)}).
		AppendPayload(nil, protocol.ProtocolVersion)
	f.deliver(&protocol.MsgRaw{Cmd: protocol.CmdGetBlocks, Payload: payload})
	f.expectNothingBefore(t)
	f.system.Root.Send(f.chain, &inspect.Describe{ReplyTo: f.peer.PID()})
	desc := actortest.Expect[*inspect.Description](t, f.peer, wait)
	served, ok := desc.Summary["served"].(map[string]uint64)
	if !ok || desc.Summary["unexpected"] != uint64(1) || served["getblocks"] != 0 || served["disconnects"] != 0 {
		t.Fatalf("summary %+v", desc.Summary)
	}
}

func TestIgnoresOtherMessages(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	f.deliver(&protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeTx, Hash: protocol.Hash{1}}}})
	f.deliver(&protocol.MsgRaw{Cmd: protocol.CmdTx, Payload: []byte{1}})
	f.system.Root.Send(f.chain, &dispatcher.Deliver{Msg: &protocol.MsgGetData{}}) // no sender
	f.system.Root.Send(f.chain, "not a message of ours")
	f.expectNothingBefore(t)
}

func TestDescribe(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	f.deliver(&protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock, Hash: f.params.GenesisHash}}})
	expectSend[*protocol.MsgRaw](t, f.peer)
	f.system.Root.Send(f.chain, &inspect.Describe{ReplyTo: f.peer.PID()})
	d := actortest.Expect[*inspect.Description](t, f.peer, wait)
	if d.Kind != "chain" || !d.Self.Equal(f.chain) {
		t.Fatalf("description %+v", d)
	}
	if d.Summary["height"] != 0 || d.Summary["best"] != f.params.GenesisHash.String() || d.Summary["network"] != "regtest" {
		t.Fatalf("summary %+v", d.Summary)
	}
	served, ok := d.Summary["served"].(map[string]uint64)
	if !ok || served["getdata"] != 1 || served["blocks"] != 1 {
		t.Fatalf("served %+v", d.Summary["served"])
	}
}

func TestEmptyChainWhenGenesisUnusable(t *testing.T) {
	system := newSystem(t)
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: protocol.Params{Name: "custom"}}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	p := actortest.NewProbe(t, system)
	system.Root.Send(pid, &inspect.Describe{ReplyTo: p.PID()})
	d := actortest.Expect[*inspect.Description](t, p, wait)
	if d.Summary["height"] != -1 || d.Summary["best"] != "" {
		t.Fatalf("summary %+v", d.Summary)
	}
}

// The node's wiring: the dispatcher spawns the chain actor as its child and
// routes the peer's requests to it.
func TestThroughDispatcher(t *testing.T) {
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	disp, err := system.Root.SpawnNamed(dispatcher.Props(dispatcher.WithLogger(zaptest.NewLogger(t))), "dispatcher")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = system.Root.StopFuture(disp).Wait() })
	owner := actortest.NewProbe(t, system)
	pr := actortest.NewProbe(t, system)

	system.Root.Send(disp, &dispatcher.Spawn{
		Name:     "chain",
		Props:    chain.Props(chain.Config{Network: params, Logger: zaptest.NewLogger(t)}),
		Commands: chain.Commands(),
		ReplyTo:  owner.PID(),
	})
	spawned := actortest.Expect[*dispatcher.Spawned](t, owner, wait)
	if spawned.Err != nil || spawned.PID == nil {
		t.Fatalf("spawn: %+v", spawned)
	}

	from := dispatcher.Sender{ID: 3, PID: pr.PID()}
	system.Root.Send(disp, &dispatcher.Deliver{From: from, Msg: &protocol.MsgGetData{
		InvList: []protocol.InvVect{{Type: protocol.InvTypeWitnessBlock, Hash: params.GenesisHash}},
	}})
	checkGenesisBlock(t, expectSend[*protocol.MsgRaw](t, pr), params)

	system.Root.Send(disp, &dispatcher.Deliver{From: from, Msg: &protocol.MsgGetHeaders{HashStop: params.GenesisHash}})
	if h := expectSend[*protocol.MsgHeaders](t, pr); len(h.Headers) != 1 || h.Headers[0].BlockHash() != params.GenesisHash {
		t.Fatalf("headers %+v", h.Headers)
	}

	system.Root.Send(disp, &inspect.Describe{ReplyTo: owner.PID()})
	d := actortest.Expect[*inspect.Description](t, owner, wait)
	if !slices.ContainsFunc(d.Children, spawned.PID.Equal) {
		t.Fatalf("dispatcher children %v lack the chain actor %v", d.Children, spawned.PID)
	}
	system.Root.Send(disp, &dispatcher.GetStats{ReplyTo: owner.PID()})
	stats := actortest.Expect[*dispatcher.Stats](t, owner, wait)
	for _, cmd := range chain.Commands() {
		if stats.Handlers[cmd] != 1 {
			t.Errorf("handlers for %s: %d, want 1", cmd, stats.Handlers[cmd])
		}
	}
}

// Every request is reported handled, once, to the peer that sent it.
func TestHandledReported(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	f.deliver(&protocol.MsgGetHeaders{HashStop: f.params.GenesisHash})
	f.deliver(&protocol.MsgInv{})
	for range 2 {
		if h := actortest.Expect[*dispatcher.Handled](t, f.peer, wait); !h.Last || h.Next != nil {
			t.Fatalf("handled %+v", h)
		}
	}
	actortest.ExpectNone[*dispatcher.Handled](t, f.peer, 0)
}

// A getdata is served one block per pass: after each, the rest goes back
// to the peer (Continue), which hands it back when it can send again.
func TestGetDataOneBlockPerPass(t *testing.T) {
	f := newFixture(t, protocol.NameRegtest)
	const n = 5
	invs := make([]protocol.InvVect, n)
	for i := range invs {
		invs[i] = protocol.InvVect{Type: protocol.InvTypeBlock, Hash: f.params.GenesisHash}
	}
	f.deliver(&protocol.MsgGetData{InvList: invs})
	for i := range n {
		checkGenesisBlock(t, expectSend[*protocol.MsgRaw](t, f.peer), f.params)
		h := actortest.Expect[*dispatcher.Handled](t, f.peer, wait)
		if !h.Last {
			t.Fatalf("pass %d not done", i)
		}
		if i == n-1 {
			if h.Next != nil {
				t.Fatalf("last pass left %v", h.Next)
			}
			break
		}
		actortest.ExpectNone[*peer.SendMessage](t, f.peer, 0)
		if h.Next == nil || !h.Handler.Equal(f.chain) || h.Next.Command() != protocol.CmdGetData {
			t.Fatalf("pass %d: handled %+v", i, h)
		}
		f.system.Root.Send(h.Handler, &dispatcher.Deliver{From: dispatcher.Sender{ID: 7, PID: f.peer.PID()}, Msg: h.Next, Cost: h.Deliver.Cost})
	}
	f.system.Root.Send(f.chain, &inspect.Describe{ReplyTo: f.peer.PID()})
	d := actortest.Expect[*inspect.Description](t, f.peer, wait)
	if served := d.Summary["served"].(map[string]uint64); served["getdata"] != 1 || served["blocks"] != n {
		t.Fatalf("served %+v", served)
	}
}
