package chain_test

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/asynkron/protoactor-go/actor"
)

// clock is a test clock moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mine returns n valid regtest headers after prev, a minute apart from start.
func mine(t *testing.T, prev protocol.Hash, start time.Time, n int, salt byte) []protocol.BlockHeader {
	t.Helper()
	p := network(t, protocol.NameRegtest)
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

type syncFixture struct {
	system *actor.ActorSystem
	chain  *actor.PID
	params protocol.Params
	clock  *clock
	dir    string
}

func startChain(t *testing.T, dir string, c *clock) *syncFixture {
	t.Helper()
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zaptest.NewLogger(t), DataDir: dir,
		Clock: c.Now, TickInterval: 5 * time.Millisecond}))
	f := &syncFixture{system: system, chain: pid, params: params, clock: c, dir: dir}
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	f.waitReady(t)
	return f
}

func (f *syncFixture) info(t *testing.T) *chain.Info {
	t.Helper()
	p := actortest.NewProbe(t, f.system)
	f.system.Root.Send(f.chain, &chain.GetInfo{ReplyTo: p.PID()})
	return actortest.Expect[*chain.Info](t, p, wait)
}

func (f *syncFixture) waitReady(t *testing.T) {
	t.Helper()
	actortest.Eventually(t, wait, "the chain loaded", func() bool { return f.info(t).Ready })
}

// ready reports a peer, its probe standing for the peer actor.
func (f *syncFixture) ready(t *testing.T, id uint64, conn string) *actortest.Probe {
	t.Helper()
	p := actortest.NewProbe(t, f.system)
	f.system.Root.Send(f.chain, &connmgr.PeerReady{ID: id, PID: p.PID(), ConnType: conn,
		Version: protocol.MsgVersion{Services: protocol.SFNodeNetwork}})
	return p
}

func (f *syncFixture) deliver(id uint64, from *actortest.Probe, msg protocol.Message) {
	f.system.Root.Send(f.chain, &dispatcher.Deliver{From: dispatcher.Sender{ID: id, PID: from.PID()}, Msg: msg})
}

func expectGetHeaders(t *testing.T, p *actortest.Probe) *protocol.MsgGetHeaders {
	t.Helper()
	sm := actortest.ExpectMatch(t, p, wait, func(m *peer.SendMessage) bool {
		_, ok := m.Msg.(*protocol.MsgGetHeaders)
		return ok
	})
	return sm.Msg.(*protocol.MsgGetHeaders)
}

// A sync peer that sends nothing is disconnected at Core's headers sync
// timeout, and the other outbound peer takes over.
func TestStallingSyncPeerReplaced(t *testing.T) {
	c := &clock{now: time.Now()}
	f := startChain(t, "", c)
	p1 := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p1)
	p2 := f.ready(t, 2, connmgr.ConnOutboundFullRelay)
	actortest.ExpectNone[*peer.SendMessage](t, p2, 50*time.Millisecond)

	behind := c.Now().Sub(time.Unix(1296688602, 0))
	c.Add(machine.HeadersDownloadTimeoutBase + machine.HeadersDownloadTimeoutPerHeader*time.Duration(behind/(10*time.Minute)) + time.Minute)
	d := actortest.Expect[*peer.Disconnect](t, p1, wait)
	if !errors.Is(d.Reason, machine.ErrHeadersTimeout) {
		t.Fatalf("disconnect reason %v", d.Reason)
	}
	p1.Stop() // the peer actor stops: the chain sees it terminate
	gh := expectGetHeaders(t, p2)
	if gh.BlockLocatorHashes[0] != f.params.GenesisHash {
		t.Fatalf("takeover getheaders from %v", gh.BlockLocatorHashes[0])
	}
	if in := f.info(t); len(in.SyncPeers) != 1 || in.SyncPeers[0] != 2 {
		t.Fatalf("sync peers %v", in.SyncPeers)
	}
}

// Headers are persisted and loaded again; a store cut mid-record loses only
// the cut record; a damaged record keeps those before it and the file is
// copied aside.
func TestStoreAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c := &clock{now: time.Now()}
	f := startChain(t, dir, c)
	p := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p)
	hs := mine(t, f.params.GenesisHash, c.Now().Add(-3*time.Hour), 120, 1)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[:100]})
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[100:]})
	actortest.Eventually(t, wait, "120 headers on disk", func() bool {
		in := f.info(t)
		return in.Headers == 120 && in.Store.Records == 120 && in.Store.Pending == 0
	})
	if err := f.system.Root.StopFuture(f.chain).Wait(); err != nil {
		t.Fatal(err)
	}

	f = startChain(t, dir, c)
	if in := f.info(t); in.Headers != 120 || in.HeaderTip.Hash != hs[119].BlockHash() || in.Store.Loaded != 120 {
		t.Fatalf("after restart: %d %v, store %+v", in.Headers, in.HeaderTip.Hash, in.Store)
	}
	_ = f.system.Root.StopFuture(f.chain).Wait()

	// Cut the last record in half, as a crash mid-append leaves it.
	path := filepath.Join(dir, headerstore.FileName)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-headerstore.RecordSize/2); err != nil {
		t.Fatal(err)
	}
	f = startChain(t, dir, c)
	in := f.info(t)
	if in.Headers != 119 || in.Store.Loaded != 119 || in.Store.Truncated != headerstore.RecordSize-headerstore.RecordSize/2 {
		t.Fatalf("after a torn tail: %d headers, store %+v", in.Headers, in.Store)
	}
	// The peer brings the lost one back, and it is stored again.
	p = f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[100:]})
	actortest.Eventually(t, wait, "the lost header back on disk", func() bool {
		in := f.info(t)
		return in.Headers == 120 && in.Store.Records == 120
	})
	_ = f.system.Root.StopFuture(f.chain).Wait()

	// Damage record 50 of 120: the first 50 stay, the file is kept aside.
	b, _ := os.ReadFile(path)
	b[headerstore.FileHeaderSize+50*headerstore.RecordSize+5] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f = startChain(t, dir, c)
	in = f.info(t)
	if in.Headers != 50 || in.Store.Records != 50 || in.Store.Err == "" {
		t.Fatalf("after damage: %d headers, store %+v", in.Headers, in.Store)
	}
	if aside, err := os.ReadFile(path + ".damaged"); err != nil || len(aside) != len(b) {
		t.Fatalf("copy aside: %d bytes, %v", len(aside), err)
	}
}

// While syncing old headers, each headers message that moves the best
// header logs Core's progress line.
func TestProgressLine(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zap.New(core)}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	f := &syncFixture{system: system, chain: pid, params: params}
	f.waitReady(t)
	p := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p)
	hs := mine(t, params.GenesisHash, time.Unix(1296688602+60, 0), 10, 1)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs})
	actortest.Eventually(t, wait, "the progress line", func() bool {
		return logs.FilterMessage("synchronizing block headers").Len() == 1
	})
	e := logs.FilterMessage("synchronizing block headers").All()[0].ContextMap()
	if e["height"] != int32(10) || !strings.HasPrefix(e["progress"].(string), "~0.00") {
		t.Fatalf("progress line %v", e)
	}
}

// A full message of a chain below the minimum chain work starts Core's
// presync: nothing is stored, the peer is asked for more, and the
// pre-synchronizing line is logged.
func TestPresyncThroughTheActor(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	params.MinimumChainWork = headerchain.BlockProof(0x207fffff).Big()
	params.MinimumChainWork.Mul(params.MinimumChainWork, big.NewInt(100000))
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zap.New(core)}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	f := &syncFixture{system: system, chain: pid, params: params}
	f.waitReady(t)
	p := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p)
	hs := mine(t, params.GenesisHash, time.Unix(1296688602+60, 0), headerchain.MaxHeadersResults, 1)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs})
	gh := expectGetHeaders(t, p)
	if gh.BlockLocatorHashes[0] != hs[len(hs)-1].BlockHash() {
		t.Fatalf("presync's next getheaders from %v", gh.BlockLocatorHashes[0])
	}
	actortest.Eventually(t, wait, "the pre-synchronizing line", func() bool {
		return logs.FilterMessage("pre-synchronizing block headers").Len() == 1
	})
	if in := f.info(t); in.Headers != 0 || in.Stats.Presyncs != 1 {
		t.Fatalf("after a low-work message: %d headers, stats %+v", in.Headers, in.Stats)
	}
}

// gatedFile is the store's file whose first read waits for open to be
// closed: the chain stays loading until then.
type gatedFile struct {
	*os.File
	open <-chan struct{}
}

func (f *gatedFile) ReadAt(b []byte, off int64) (int, error) {
	<-f.open
	return f.File.ReadAt(b, off)
}

// announcementOf waits for the message announcing hash to the peer p: a
// headers message ending in it or an inv of it.
func announcementOf(t *testing.T, p *actortest.Probe, hash protocol.Hash) protocol.Message {
	t.Helper()
	return actortest.ExpectMatch(t, p, wait, func(m *peer.SendMessage) bool {
		switch msg := m.Msg.(type) {
		case *protocol.MsgHeaders:
			return len(msg.Headers) > 0 && msg.Headers[len(msg.Headers)-1].BlockHash() == hash
		case *protocol.MsgInv:
			return len(msg.InvList) == 1 && msg.InvList[0].Hash == hash
		}
		return false
	}).Msg
}

// A peer's sendheaders reaches the chain, which then announces new best
// headers to it by headers (and to a peer without it by inv): even one that
// came while the store loaded, before the peer was reported ready.
func TestSendHeadersWhileLoading(t *testing.T) {
	gate := make(chan struct{})
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	c := &clock{now: time.Now()}
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zaptest.NewLogger(t), DataDir: t.TempDir(),
		Clock: c.Now, TickInterval: 5 * time.Millisecond,
		StoreOptions: []headerstore.Option{headerstore.WithFile(func(f *os.File) headerstore.File {
			return &gatedFile{File: f, open: gate}
		})}}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	f := &syncFixture{system: system, chain: pid, params: params, clock: c}
	if f.info(t).Ready {
		t.Fatal("ready before the store loaded")
	}
	p2 := actortest.NewProbe(t, system)
	f.deliver(2, p2, &protocol.MsgSendHeaders{})
	if f.info(t).Ready { // the sendheaders came while loading
		t.Fatal("ready before the store loaded")
	}
	close(gate)
	f.waitReady(t)

	p1 := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p1)
	system.Root.Send(pid, &connmgr.PeerReady{ID: 2, PID: p2.PID(), ConnType: connmgr.ConnInbound,
		Version: protocol.MsgVersion{Services: protocol.SFNodeNetwork, ProtocolVersion: int32(protocol.ProtocolVersion)}})
	p3 := f.ready(t, 3, connmgr.ConnInbound)
	hs := mine(t, params.GenesisHash, c.Now().Add(-time.Hour), 3, 1)
	f.deliver(1, p1, &protocol.MsgHeaders{Headers: hs[:2]})
	// Peers 2 and 3 ask for the chain: they have its tip.
	for id, p := range map[uint64]*actortest.Probe{2: p2, 3: p3} {
		announcementOf(t, p, hs[1].BlockHash()) // an inv: they had nothing
		f.deliver(id, p, &protocol.MsgGetHeaders{BlockLocatorHashes: []protocol.Hash{params.GenesisHash}})
		if got := announcementOf(t, p, hs[1].BlockHash()); len(got.(*protocol.MsgHeaders).Headers) != 2 {
			t.Fatalf("peer %d's getheaders answered with %+v", id, got)
		}
	}
	f.deliver(1, p1, &protocol.MsgHeaders{Headers: hs[2:]})
	if msg := announcementOf(t, p2, hs[2].BlockHash()); msg.Command() != protocol.CmdHeaders {
		t.Fatalf("the peer that sent sendheaders got %s, want headers", msg.Command())
	}
	if msg := announcementOf(t, p3, hs[2].BlockHash()); msg.Command() != protocol.CmdInv {
		t.Fatalf("the peer that did not got %s, want inv", msg.Command())
	}
}

// TestPeerGoneFromConnMgr: a peer connmgr reported ready is forgotten when
// connmgr says it stopped (PeerGone, checked against its PID), with no
// watch of its own; one reported by anybody else is watched.
func TestPeerGoneFromConnMgr(t *testing.T) {
	f := startChain(t, t.TempDir(), &clock{now: time.Now()})
	known := func() map[uint64]machine.PeerState {
		p := actortest.NewProbe(t, f.system)
		f.system.Root.Send(f.chain, &chain.GetPeerStates{ReplyTo: p.PID()})
		return actortest.Expect[*chain.PeerStates](t, p, wait).Peers
	}
	cm := actortest.NewProbe(t, f.system)
	viaConnMgr := actortest.NewProbe(t, f.system)
	f.system.Root.Send(f.chain, &connmgr.PeerReady{ID: 1, PID: viaConnMgr.PID(), ConnMgr: cm.PID(),
		ConnType: machine.ConnInbound, Inbound: true})
	other := f.ready(t, 2, machine.ConnInbound)
	actortest.Eventually(t, wait, "both peers known", func() bool { return len(known()) == 2 })

	f.system.Root.Send(f.chain, &connmgr.PeerGone{ID: 1, PID: other.PID()})
	if _, ok := known()[1]; !ok {
		t.Fatal("peer 1 forgotten on a PeerGone naming another actor")
	}
	f.system.Root.Send(f.chain, &connmgr.PeerGone{ID: 1, PID: viaConnMgr.PID()})
	actortest.Eventually(t, wait, "peer 1 forgotten", func() bool { _, ok := known()[1]; return !ok })

	other.Stop()
	actortest.Eventually(t, wait, "the watched peer 2 forgotten when it stopped", func() bool { return len(known()) == 0 })
}
