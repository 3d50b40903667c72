package chain_test

import (
	"errors"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// failingFile is the store's file with writes that fail once told to.
type failingFile struct {
	*os.File
	fail   atomic.Bool
	writes atomic.Int64
}

func (f *failingFile) WriteAt(b []byte, off int64) (int, error) {
	f.writes.Add(1)
	if f.fail.Load() {
		n, _ := f.File.WriteAt(b[:len(b)/2], off) // a torn write
		return n, errors.New("injected write fault")
	}
	return f.File.WriteAt(b, off)
}

// A store write that fails is logged once; the headers stay in memory,
// sync goes on, getheaders and getblockheader are still answered, nothing
// more is written, and the file loads again with what was written before.
func TestStoreWriteFailure(t *testing.T) {
	dir := t.TempDir()
	core, logs := observer.New(zap.InfoLevel)
	system := newSystem(t)
	params := network(t, protocol.NameRegtest)
	c := &clock{now: time.Now()}
	var file atomic.Pointer[failingFile]
	pid := system.Root.Spawn(chain.Props(chain.Config{Network: params, Logger: zap.New(core), DataDir: dir,
		Clock: c.Now, TickInterval: 5 * time.Millisecond,
		StoreOptions: []headerstore.Option{headerstore.WithFile(func(f *os.File) headerstore.File {
			ff := &failingFile{File: f}
			file.Store(ff)
			return ff
		})}}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	f := &syncFixture{system: system, chain: pid, params: params, clock: c, dir: dir}
	f.waitReady(t)

	p := f.ready(t, 1, connmgr.ConnOutboundFullRelay)
	expectGetHeaders(t, p)
	hs := mine(t, params.GenesisHash, c.Now().Add(-5*time.Hour), 150, 1)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[:100]})
	actortest.Eventually(t, wait, "100 headers on disk", func() bool {
		in := f.info(t)
		return in.Store.Records == 100 && in.Store.Pending == 0
	})

	file.Load().fail.Store(true)
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[100:120]})
	actortest.Eventually(t, wait, "the write failure reported", func() bool {
		return f.info(t).Store.Err != "" && logs.FilterMessage("header store: write failed; headers are no longer persisted").Len() == 1
	})
	writes := file.Load().writes.Load()
	// Sync goes on in memory.
	f.deliver(1, p, &protocol.MsgHeaders{Headers: hs[120:]})
	actortest.Eventually(t, wait, "150 headers", func() bool { return f.info(t).Headers == 150 })
	in := f.info(t)
	if in.Store.Records != 100 || in.Store.Pending != 50 {
		t.Fatalf("store after the failure: %+v", in.Store)
	}

	// Still serving: getheaders from genesis and getblockheader.
	q := f.ready(t, 2, connmgr.ConnInbound)
	f.deliver(2, q, &protocol.MsgGetHeaders{ProtocolVersion: protocol.ProtocolVersion, BlockLocatorHashes: []protocol.Hash{params.GenesisHash}})
	sm := actortest.ExpectMatch(t, q, wait, func(m *peer.SendMessage) bool {
		h, ok := m.Msg.(*protocol.MsgHeaders)
		return ok && len(h.Headers) > 0
	})
	if got := sm.Msg.(*protocol.MsgHeaders).Headers; !slices.Equal(got, hs) {
		t.Fatalf("getheaders answer of %d headers differs", len(got))
	}
	probe := actortest.NewProbe(t, system)
	system.Root.Send(pid, &chain.GetHeader{Hash: hs[130].BlockHash(), ReplyTo: probe.PID()})
	if r := actortest.Expect[*chain.HeaderReply](t, probe, wait); !r.Found || r.Header.ReadErr != "" || r.Header.Header != hs[130] {
		t.Fatalf("getblockheader of an unwritten header: %+v", r)
	}
	if file.Load().writes.Load() != writes {
		t.Fatal("the store wrote after its write failed")
	}
	if n := logs.FilterMessage("header store: write failed; headers are no longer persisted").Len(); n != 1 {
		t.Fatalf("the failure logged %d times", n)
	}
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}

	// The file holds the 100 written before (the torn write was cut back).
	f = startChain(t, dir, c)
	if in := f.info(t); in.Headers != 100 || in.Store.Loaded != 100 || in.Store.Err != "" {
		t.Fatalf("after restart: %d headers, store %+v", in.Headers, in.Store)
	}
}
