package chain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerchain/presync"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/metrics"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// Commands are the commands the chain actor handles: register it with the
// dispatcher for these. The peer forwards only the first sendheaders of a
// connection (it says how the remote wants new blocks announced).
func Commands() []string {
	return []string{protocol.CmdGetHeaders, protocol.CmdGetBlocks, protocol.CmdGetData,
		protocol.CmdHeaders, protocol.CmdInv, protocol.CmdCmpctBlock, protocol.CmdSendHeaders}
}

// Defaults of Config.
const (
	// DefaultTickInterval is how often the sync machine's timers are
	// checked (Core runs SendMessages about every 100 ms; its timeouts
	// are minutes).
	DefaultTickInterval = time.Second
	// DefaultProgressInterval is how often the sync rate is measured.
	DefaultProgressInterval = 10 * time.Second
)

// Config is what the chain actor is born with.
type Config struct {
	// Network is the network whose chain is followed and served. A Params
	// whose genesis block is missing or does not hash to GenesisHash
	// leaves the actor with an empty chain (it serves nothing and logs an
	// error when it starts).
	Network protocol.Params
	// Logger receives the progress line and new tips at Info, the rest
	// at Debug. Nil means none.
	Logger *zap.Logger
	// DataDir is the directory of the header store (headers.dat); ""
	// keeps headers in memory only.
	DataDir string
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// ConnMgr receives *connmgr.Misbehaved for a peer that sent invalid
	// headers, and what its extra-peer decisions need of the chain
	// (*connmgr.BlockAnnounced, *connmgr.ChainProtected,
	// *connmgr.TryNewOutbound, *connmgr.StartExtraBlockRelay); nil means the sender of the last *connmgr.PeerReady, and
	// with none the peer is sent *peer.Disconnect instead.
	ConnMgr *actor.PID
	// Metrics receives the header height, sync rate and reorgs; nil means
	// none.
	Metrics metrics.Chain
	// TickInterval is how often the machine's timers run;
	// ProgressInterval how often the sync rate is measured. Zero means
	// the defaults.
	TickInterval, ProgressInterval time.Duration
	// NoPresync turns off Core's low-work headers presync (package
	// presync): headers of a chain with little work then go straight to
	// the index.
	NoPresync bool
	// Height, when set, is kept at the best header's height: the start
	// height peers announce in their version messages.
	Height *atomic.Int32
	// StoreOptions are passed to headerstore.Open (a test's faulty file).
	StoreOptions []headerstore.Option
}

// Props returns the chain actor's props. Every incarnation loads the
// header store again.
func Props(cfg Config) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NopChain()
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = DefaultTickInterval
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = DefaultProgressInterval
	}
	blocks, err := newChain(cfg.Network)
	if err != nil {
		blocks = emptyChain()
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &handler{
			cfg:      cfg,
			log:      cfg.Logger,
			chainErr: err,
			srv:      server{chain: blocks},
			peers:    make(map[uint64]*actor.PID),
			unknown:  make(map[string]uint64),
		}
	})
}

// maxUnknownKeys bounds the per-type counter of unexpected messages.
const maxUnknownKeys = 64

// handler is the actor. Only its Receive touches its fields; the store is
// shared with the goroutine that flushes it (headerstore.Store allows it).
type handler struct {
	cfg Config
	log *zap.Logger
	// chainErr says why the chain is empty, or is nil.
	chainErr error
	// srv serves the blocks we have (the genesis block).
	srv server
	// m is the header sync machine, nil while the store loads or when the
	// network has no usable genesis block.
	m *machine.Machine
	// peers are the ready peers' actors, by id.
	peers map[uint64]*actor.PID
	// loading is set while the store loads; early are the peers ready
	// meanwhile. loadDone gets the load's result too, for a stop during
	// the load to close the store it opened.
	loading  bool
	loadDone chan *loaded
	early    []*connmgr.PeerReady
	// earlySendHeaders are the peers that sent sendheaders meanwhile, at
	// most one entry per live peer (a peer forwards only the first of a
	// connection, and a gone one is taken out).
	earlySendHeaders []uint64
	// store is the index's Source, nil without a data directory.
	store *headerstore.Store
	sinfo StoreInfo
	// storeFailed is set once a write failed: nothing more is written.
	storeFailed bool
	// writing is set while a goroutine flushes the store; writeDone is
	// closed when it ends.
	writing   bool
	writeDone chan struct{}
	tick      *time.Timer
	outs      []protocol.Message
	acts      []machine.Action
	prog      progress
	presync   presyncReport
	unknown   map[string]uint64
	// syncFinishedUntold: initial sync ended before connmgr was known
	// (see tellConnMgr).
	syncFinishedUntold bool
}

// progress tracks the sync rate and when the progress line was logged.
type progress struct {
	at     time.Time
	height int32
	rate   float64
}

// Receive handles one message.
func (a *handler) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *dispatcher.Deliver:
		a.deliver(ctx, msg)
	case *connmgr.PeerReady:
		a.peerReady(ctx, msg)
	case *actor.Terminated:
		a.terminated(ctx, msg)
	case *connmgr.PeerGone:
		a.peerGone(ctx, msg.ID, msg.PID)
	case *tick:
		a.onTick(ctx)
	case *loaded:
		a.onLoaded(ctx, msg)
	case *written:
		a.onWritten(ctx, msg)
	case *GetInfo:
		a.getInfo(ctx, msg)
	case *GetHeader:
		a.getHeader(ctx, msg)
	case *GetTips:
		a.getTips(ctx, msg)
	case *GetPeerStates:
		a.getPeerStates(ctx, msg)
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *actor.Started:
		a.started(ctx)
	case *actor.Stopping:
		a.stopping()
	case *actor.Stopped, *actor.Restarting:
	default:
		a.unexpected(fmt.Sprintf("%T", msg))
	}
}

type (
	tick   struct{}
	loaded struct {
		ix    *headerchain.Index
		store *headerstore.Store
		info  StoreInfo
		err   error
	}
	written struct{ err error }
)

func (a *handler) started(ctx actor.Context) {
	if a.chainErr != nil {
		a.log.Error("serving an empty chain", zap.String("network", a.cfg.Network.Name), zap.Error(a.chainErr))
		return
	}
	if a.cfg.DataDir == "" {
		ix, err := headerchain.New(a.cfg.Network)
		a.onLoaded(ctx, &loaded{ix: ix, err: err, info: StoreInfo{Err: "no data directory: headers kept in memory"}})
		return
	}
	// Loading reads the whole file and checks every header: a goroutine
	// does it and reports back.
	a.loading = true
	a.loadDone = make(chan *loaded, 1)
	root, self, cfg, log, done := ctx.ActorSystem().Root, ctx.Self(), a.cfg, a.log, a.loadDone
	go func() {
		msg := &loaded{}
		defer func() {
			if r := recover(); r != nil {
				msg = &loaded{err: fmt.Errorf("load header store: panic: %v", r)}
			}
			done <- msg
			root.Send(self, msg)
		}()
		msg.ix, msg.store, msg.info, msg.err = loadStore(cfg, log)
	}()
}

// loadStore opens the store in cfg.DataDir and loads it into a new index.
// A torn tail is cut by Load; a damaged record or one the index refuses
// ends the load there: the file is copied aside (nothing lost) and cut at
// that record, and sync fetches the rest again from peers.
func loadStore(cfg Config, log *zap.Logger) (*headerchain.Index, *headerstore.Store, StoreInfo, error) {
	info := StoreInfo{}
	s, err := headerstore.Open(cfg.DataDir, cfg.Network.Magic, cfg.StoreOptions...)
	if err != nil {
		return nil, nil, info, err
	}
	info.Path = s.Path()
	// The store is the index's Source: record n is entry n+1's header, so a
	// record the index refuses (a duplicate included) ends the load there.
	ix, err := headerchain.New(cfg.Network, headerchain.WithCapacity(int(s.Records())), headerchain.WithSource(s))
	if err != nil {
		s.Close()
		return nil, nil, info, err
	}
	st, err := s.Load(ix.Restore)
	info.Loaded, info.Truncated = st.Records, st.TruncatedBytes
	if err != nil {
		var corrupt *headerstore.CorruptError
		var refused *headerstore.RecordError
		var at int64
		switch {
		case errors.As(err, &corrupt):
			at = corrupt.Record
		case errors.As(err, &refused):
			at = refused.Record
		default:
			s.Close()
			return nil, nil, info, err
		}
		aside := s.Path() + ".damaged"
		if cerr := copyFile(s.Path(), aside); cerr != nil {
			s.Close()
			return nil, nil, info, fmt.Errorf("%w; copy aside: %w", err, cerr)
		}
		if terr := s.Truncate(at); terr != nil {
			s.Close()
			return nil, nil, info, fmt.Errorf("%w; truncate: %w", err, terr)
		}
		log.Warn("header store damaged: kept the records before it, copied the file aside",
			zap.Error(err), zap.Int64("kept", at), zap.String("copy", aside))
		info.Err = err.Error()
	}
	if info.Truncated > 0 {
		log.Warn("header store: cut a torn tail", zap.Int64("bytes", info.Truncated))
	}
	info.Records = s.Records()
	if want := int64(ix.Len() - 1); info.Records != want {
		s.Close()
		return nil, nil, info, fmt.Errorf("header store: %d records for %d headers after load", info.Records, want)
	}
	return ix, s, info, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Clean(to))
}

func (a *handler) onLoaded(ctx actor.Context, msg *loaded) {
	a.loading = false
	if msg.err != nil {
		a.early, a.earlySendHeaders = nil, nil
		a.log.Error("header chain unavailable", zap.Error(msg.err))
		a.sinfo.Err = msg.err.Error()
		return
	}
	a.store, a.sinfo = msg.store, msg.info
	mcfg := machine.Config{Params: a.cfg.Network}
	if !a.cfg.NoPresync {
		mcfg.Rand = presync.NewRand
	}
	a.m = machine.New(msg.ix, mcfg)
	tip := msg.ix.Tip()
	a.log.Info("header chain loaded", zap.String("network", a.cfg.Network.Name), zap.Int32("height", tip.Height),
		zap.Stringer("best", tip.Hash), zap.Int64("records", a.sinfo.Loaded), zap.String("store", a.sinfo.Path))
	a.cfg.Metrics.HeaderTip(tip.Height)
	a.setHeight(tip.Height)
	a.prog = progress{at: a.cfg.Clock(), height: tip.Height}
	early := a.early
	a.early = nil
	for _, r := range early {
		a.peerReady(ctx, r)
	}
	for _, id := range a.earlySendHeaders {
		a.m.SendHeaders(id)
	}
	a.earlySendHeaders = nil
	a.armTick(ctx)
}

func (a *handler) armTick(ctx actor.Context) {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	a.tick = time.AfterFunc(a.cfg.TickInterval, func() { root.Send(self, &tick{}) })
}

func (a *handler) onTick(ctx actor.Context) {
	if a.m == nil {
		return
	}
	now := a.cfg.Clock()
	a.apply(ctx, a.m.Tick(now, a.acts[:0]))
	a.apply(ctx, a.m.CheckStaleTip(now, a.acts[:0]))
	a.updateRate()
	a.armTick(ctx)
}

func (a *handler) stopping() {
	if a.tick != nil {
		a.tick.Stop()
	}
	if a.loading {
		// The load runs on: wait for it (it reads the file once) and
		// close the store it opened, so nothing touches the directory
		// once the actor stopped.
		if msg := <-a.loadDone; msg.store != nil {
			if err := msg.store.Close(); err != nil {
				a.log.Error("header store: close", zap.Error(err))
			}
		}
		a.loading = false
	}
	if a.writing {
		<-a.writeDone // a bounded fsync; the store is not ours to close under it
		a.writing = false
	}
	if a.store != nil {
		if !a.storeFailed {
			if err := a.store.Flush(); err != nil {
				a.log.Error("header store: final write failed", zap.Error(err))
			}
		}
		if err := a.store.Close(); err != nil {
			a.log.Error("header store: close", zap.Error(err))
		}
		a.store = nil
	}
}

func (a *handler) peerReady(ctx actor.Context, r *connmgr.PeerReady) {
	if r.PID == nil {
		a.unexpected("peer ready without a PID")
		return
	}
	if a.m == nil {
		if a.loading {
			a.early = append(a.early, r)
		}
		return
	}
	if a.cfg.ConnMgr == nil && r.ConnMgr != nil {
		a.cfg.ConnMgr = r.ConnMgr
		a.tellSyncFinished(ctx)
	}
	// connmgr says when the peer stops (PeerGone): no watch, which would
	// cost every idle peer a watcher set. A PeerReady from elsewhere (a
	// test's, an embedder's) gets the watch.
	a.peers[r.ID] = r.PID
	if r.ConnMgr == nil {
		ctx.Watch(r.PID)
	}
	a.apply(ctx, a.m.PeerReady(a.cfg.Clock(), machine.Peer{ID: r.ID, Conn: r.ConnType,
		Services: r.Version.Services, StartHeight: r.Version.StartHeight, Version: r.Version.ProtocolVersion}, a.acts[:0]))
}

// terminated handles the end of a peer the chain watched: one whose
// message came before connmgr's PeerReady, or any peer when the chain runs
// without connmgr.
func (a *handler) terminated(ctx actor.Context, t *actor.Terminated) {
	for id, pid := range a.peers {
		if pid.Equal(t.Who) {
			a.peerGone(ctx, id, pid)
			return
		}
	}
}

// peerGone forgets peer id, if pid is the actor the chain knows it by.
func (a *handler) peerGone(ctx actor.Context, id uint64, pid *actor.PID) {
	if known, ok := a.peers[id]; !ok || !known.Equal(pid) {
		a.early = slices.DeleteFunc(a.early, func(r *connmgr.PeerReady) bool { return r.ID == id })
		return
	}
	delete(a.peers, id)
	a.presync.gone(id)
	a.earlySendHeaders = slices.DeleteFunc(a.earlySendHeaders, func(e uint64) bool { return e == id })
	if a.m != nil {
		a.apply(ctx, a.m.PeerGone(a.cfg.Clock(), id, a.acts[:0]))
	}
}

func (a *handler) deliver(ctx actor.Context, d *dispatcher.Deliver) {
	if d.From.PID == nil || d.Msg == nil {
		a.unexpected("deliver without sender or message")
		d.Done(ctx)
		return
	}
	switch m := d.Msg.(type) {
	case *protocol.MsgGetData:
		a.srv.n.getData++
		a.getData(ctx, d, m.InvList)
		return
	case *getDataRest:
		a.getData(ctx, d, m.InvList)
		return
	case *protocol.MsgGetBlocks:
		a.getBlocks(ctx, d.From, m)
	case *protocol.MsgGetHeaders, *protocol.MsgHeaders, *protocol.MsgInv, *protocol.MsgCmpctBlock, *protocol.MsgSendHeaders:
		a.sync(ctx, d.From, m)
	default:
		a.unexpected(d.Msg.Command())
	}
	d.Done(ctx)
}

// sync hands a header message to the machine.
func (a *handler) sync(ctx actor.Context, from dispatcher.Sender, msg protocol.Message) {
	if _, ok := a.peers[from.ID]; !ok {
		// A message before connmgr's PeerReady: watch the peer from now.
		a.peers[from.ID] = from.PID
		ctx.Watch(from.PID)
	}
	now := a.cfg.Clock()
	if a.m == nil {
		// Loading, or no chain: Core ignores getheaders while importing;
		// with no chain at all it answers with nothing.
		switch msg.(type) {
		case *protocol.MsgGetHeaders:
			if !a.loading {
				ctx.Send(from.PID, &peer.SendMessage{Msg: &protocol.MsgHeaders{}})
			}
		case *protocol.MsgSendHeaders:
			// Kept for the machine: the peer says it once.
			if a.loading {
				a.earlySendHeaders = append(a.earlySendHeaders, from.ID)
			}
		}
		return
	}
	out := a.acts[:0]
	switch m := msg.(type) {
	case *protocol.MsgGetHeaders:
		out = a.m.GetHeaders(now, from.ID, m.BlockLocatorHashes, m.HashStop, out)
	case *protocol.MsgHeaders:
		out = a.m.Headers(now, from.ID, m.Headers, out)
		a.reportPresync(now, from.ID)
	case *protocol.MsgCmpctBlock:
		out = a.m.CompactBlock(now, from.ID, m.Header, out)
	case *protocol.MsgSendHeaders:
		a.m.SendHeaders(from.ID)
	case *protocol.MsgInv:
		var blocks []protocol.Hash
		for _, inv := range m.InvList {
			if inv.Type == protocol.InvTypeBlock || inv.Type == protocol.InvTypeWitnessBlock {
				blocks = append(blocks, inv.Hash)
			}
		}
		if len(blocks) > 0 {
			out = a.m.BlockInv(now, from.ID, blocks, out)
		}
	}
	a.apply(ctx, out)
}

// apply carries out the machine's actions.
func (a *handler) apply(ctx actor.Context, out []machine.Action) {
	for i := range out {
		act := &out[i]
		pid := a.peers[act.Peer]
		switch act.Kind {
		case machine.Send:
			if pid != nil {
				ctx.Send(pid, &peer.SendMessage{Msg: act.Msg})
			}
		case machine.Disconnect:
			a.log.Info("disconnecting peer", zap.Uint64("peer", act.Peer), zap.Error(act.Reason))
			if pid != nil {
				ctx.Send(pid, &peer.Disconnect{Reason: act.Reason})
			}
		case machine.Misbehave:
			a.log.Info("peer misbehaved", zap.Uint64("peer", act.Peer), zap.Error(act.Reason))
			if a.cfg.ConnMgr != nil {
				ctx.Send(a.cfg.ConnMgr, &connmgr.Misbehaved{ID: act.Peer})
			} else if pid != nil {
				ctx.Send(pid, &peer.Disconnect{Reason: act.Reason})
			}
		case machine.Persist:
			// The index appended them to the store already.
			a.cfg.Metrics.HeadersAdded(act.Added)
			a.flush(ctx)
		case machine.NewTip:
			a.newTip(act)
		case machine.BlockAnnounced, machine.Protected, machine.TryNewOutbound, machine.StartExtraBlockRelay:
			a.tellConnMgr(ctx, act)
		}
		out[i] = machine.Action{}
	}
	a.acts = out[:0]
}

func (a *handler) newTip(act *machine.Action) {
	tc := act.Tip
	a.cfg.Metrics.HeaderTip(tc.New.Height)
	a.setHeight(tc.New.Height)
	if n := len(tc.Disconnected); n > 0 {
		a.cfg.Metrics.Reorg(n)
		a.log.Info("header chain reorganized", zap.Int32("fork", tc.Fork.Height), zap.Int("disconnected", n),
			zap.Int("connected", len(tc.Connected)), zap.Int32("height", tc.New.Height), zap.Stringer("best", tc.New.Hash),
			zap.Uint64("peer", act.Peer))
	}
	a.updateRate()
	now := a.cfg.Clock()
	if !a.m.InitialSync(now) {
		// Caught up: one line per new best header, like Core's UpdateTip.
		a.log.Info("new best header", zap.Int32("height", tc.New.Height), zap.Stringer("best", tc.New.Hash),
			zap.Uint64("peer", act.Peer))
		return
	}
	// Core's "Synchronizing blockheaders, height: %d (~%.2f%%)", logged
	// for every headers message that moves the best header while syncing.
	a.log.Info("synchronizing block headers", zap.Int32("height", tc.New.Height),
		zap.String("progress", fmt.Sprintf("~%.2f%%", 100*a.progress(now))),
		zap.Float64("headers_per_s", a.prog.rate), zap.Uint64("peer", act.Peer))
}

func (a *handler) setHeight(h int32) {
	if a.cfg.Height != nil {
		a.cfg.Height.Store(h)
	}
}

// updateRate measures the headers added per second once per
// ProgressInterval (the sync rate gauge and the progress line's figure).
func (a *handler) updateRate() {
	now := a.cfg.Clock()
	el := now.Sub(a.prog.at)
	if el < a.cfg.ProgressInterval {
		return
	}
	h := a.m.Index().Tip().Height
	a.prog.rate = float64(h-a.prog.height) / el.Seconds()
	a.cfg.Metrics.HeaderSyncRate(a.prog.rate)
	a.prog.at, a.prog.height = now, h
}

// progress estimates header sync progress by time, as Core does: the
// height over the height plus the blocks expected since the tip's time.
func (a *handler) progress(now time.Time) float64 {
	tip := a.m.Index().TipEntry()
	spacing := a.cfg.Network.Consensus.PowTargetSpacing
	if spacing <= 0 {
		spacing = 10 * time.Minute
	}
	left := max(now.Sub(time.Unix(int64(tip.Time), 0))/spacing, 0)
	if tip.Height == 0 && left == 0 {
		return 1
	}
	return float64(tip.Height) / (float64(tip.Height) + float64(left))
}

// flush starts a goroutine writing what the index appended to the store,
// one write and one fsync per batch, unless one runs (onWritten starts the
// next) or a write failed.
func (a *handler) flush(ctx actor.Context) {
	if a.store == nil || a.storeFailed || a.writing || a.store.Pending() == 0 {
		return
	}
	a.writing = true
	a.writeDone = make(chan struct{})
	root, self, s, done := ctx.ActorSystem().Root, ctx.Self(), a.store, a.writeDone
	go func() {
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("header store flush: panic: %v", r)
			}
			close(done)
			root.Send(self, &written{err: err})
		}()
		err = s.Flush()
	}()
}

func (a *handler) onWritten(ctx actor.Context, msg *written) {
	if !a.writing {
		return // handled at stop
	}
	a.writing = false
	if msg.err != nil {
		// The store keeps every header readable from memory: sync and
		// getheaders go on, nothing more reaches the disk.
		a.log.Error("header store: write failed; headers are no longer persisted", zap.Error(msg.err))
		a.sinfo.Err = msg.err.Error()
		a.storeFailed = true
		return
	}
	a.flush(ctx)
}

// getDataRest is what is left of a peer's getdata after a pass: the peer
// keeps it (dispatcher.Deliver.Continue) and hands it back for the next
// pass once its send queue is below the limit.
type getDataRest struct{ protocol.MsgGetData }

func (a *handler) getBlocks(ctx actor.Context, from dispatcher.Sender, m *protocol.MsgGetBlocks) {
	reply, err := a.srv.getBlocks(m)
	if errors.Is(err, ErrLocatorTooLarge) {
		a.log.Debug("disconnecting", zap.Uint64("peer", from.ID), zap.Error(err))
		ctx.Send(from.PID, &peer.Disconnect{Reason: err})
		return
	}
	if reply != nil {
		ctx.Send(from.PID, &peer.SendMessage{Msg: reply})
	}
}

// getData serves one pass of a peer's getdata queue (server.getData) and
// leaves the rest with the peer, as Core serves at most one block per
// peer per turn and none while the peer's send buffer is full.
func (a *handler) getData(ctx actor.Context, d *dispatcher.Deliver, invs []protocol.InvVect) {
	from := d.From
	outs, rest, disconnect := a.srv.getData(invs, a.outs[:0])
	if ce := a.log.Check(zap.DebugLevel, "getdata"); ce != nil {
		ce.Write(zap.Uint64("peer", from.ID), zap.Int("entries", len(invs)), zap.Int("replies", len(outs)), zap.Int("left", len(rest)))
	}
	for i, msg := range outs {
		ctx.Send(from.PID, &peer.SendMessage{Msg: msg})
		outs[i] = nil
	}
	a.outs = outs[:0]
	if disconnect != nil {
		a.log.Debug("disconnecting", zap.Uint64("peer", from.ID), zap.Error(disconnect))
		ctx.Send(from.PID, &peer.Disconnect{Reason: disconnect})
	}
	if len(rest) == 0 || disconnect != nil {
		d.Done(ctx)
		return
	}
	d.Continue(ctx, ctx.Self(), &getDataRest{protocol.MsgGetData{InvList: rest}})
}

// unexpected logs and counts a message the actor does not handle.
func (a *handler) unexpected(name string) {
	if _, ok := a.unknown[name]; !ok && len(a.unknown) >= maxUnknownKeys {
		name = "*other*"
	}
	a.unknown[name]++
	a.log.Debug("unexpected message", zap.String("type", name))
}

func (a *handler) unexpectedTotal() uint64 {
	var n uint64
	for _, c := range a.unknown {
		n += c
	}
	return n
}
