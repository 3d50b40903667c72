package addrbook

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/internal/atomicfile"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// Config is what the address book is built with.
type Config struct {
	// Network gives the default port, the DNS seed names and the fixed seeds.
	// On regtest, loopback and private addresses are accepted from gossip
	// (a local test network); elsewhere only routable ones.
	Network protocol.Params
	// DNSSeed turns DNS seeding on: when the book is thin at start, the
	// seed names are resolved (A and AAAA) and the answers added.
	DNSSeed bool
	// DNSSeeds replaces Network.DNSSeeds when non-empty.
	DNSSeeds []string
	// Resolver is "HOST:PORT" of the DNS server seeding asks; empty means the
	// system's servers.
	Resolver string
	// FixedSeeds adds Network.FixedSeeds when DNS seeding gives nothing (or
	// is off and the book is empty).
	FixedSeeds bool
	// SeedNodes tells the book that connmgr has -seednode peers to ask
	// first: DNS seeding then waits 30 s for them, as Core does.
	SeedNodes bool
	// File is the path of the book's file, loaded at start and written
	// every 15 minutes and at stop. Empty: the book lives in memory only.
	File string
	// Services are our own service bits, announced with our address.
	Services protocol.ServiceFlag
	// InitialBlockDownload reports whether the node is still in initial
	// block download at now (chain.IBD's Active); while it is, the book
	// does not announce our own address, as Core's MaybeSendAddr. It is
	// called only from the book's actor. Nil: never (a book with no chain
	// behind it).
	InitialBlockDownload func(now time.Time) bool
	// Dispatcher is where the book registers for addr, addrv2 and getaddr.
	// Nil: the book gets no gossip (tests, or a node without dispatcher).
	Dispatcher *actor.PID
	// Logger receives the book's log lines; nil means zap.NewNop().
	Logger *zap.Logger
	// Clock is the time source for timestamps; nil means time.Now. Timers
	// use the time package (fake inside a testing/synctest bubble).
	Clock func() time.Time
}

// Per-connection limits and the book's own timers.
const (
	// maxGetAddrReply is the most addresses in one getaddr answer (Core's
	// MAX_ADDR_TO_SEND).
	maxGetAddrReply = protocol.MaxAddrPerMsg
	// getAddrWait bounds how long a getaddr that arrived before connmgr's
	// Connected (the two travel different paths) waits for it; then it is
	// answered with addr.
	getAddrWait = 5 * time.Second
	// maxCandidates caps one Candidates request.
	maxCandidates = 1000
	// gossipPenalty is subtracted from the timestamp of an address learnt
	// from someone else than its owner (Core's 2-hour time penalty).
	gossipPenalty = 2 * time.Hour
	// staleStamp replaces an absurd timestamp: now minus 5 days, as Core.
	staleStamp = 5 * 24 * time.Hour
	// tickInterval paces the housekeeping: collisions, self-announcements,
	// -seednode timeouts, forgotten connections.
	tickInterval = time.Minute
	// staleConn: per-connection state made by gossip that overtook
	// Connected, and never followed by it, is dropped after this.
	staleConn = time.Minute
	// saveInterval is the time between saves of the file (Core's
	// DUMP_PEERS_INTERVAL).
	saveInterval = 15 * time.Minute
	// seedNodeWait: with -seednode peers, DNS seeding waits this long for
	// them (Core's SEEDNODE_TIMEOUT).
	seedNodeWait = 30 * time.Second
	// seedDelayMany: a book of at least seedManyThreshold addresses waits
	// this long before seeding (DNSSEEDS_DELAY_MANY_PEERS).
	seedDelayMany     = 5 * time.Minute
	seedManyThreshold = 1000
)

// Reasons the book has a peer disconnect.
var (
	// ErrAddrFetchDone: a -seednode peer answered our getaddr.
	ErrAddrFetchDone = errors.New("addr-fetch connection answered")
	// ErrAddrFetchTimeout: a -seednode peer did not answer in time.
	ErrAddrFetchTimeout = errors.New("addr-fetch connection timed out")
)

// Props returns the props of an address book actor configured by cfg.
func Props(cfg Config) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return actor.PropsFromProducer(func() actor.Actor { return newAddrBook(cfg) })
}

// addrBook is the actor. Only its Receive goroutine touches these fields,
// but for saveWG, which the save goroutine marks done.
type addrBook struct {
	cfg  Config
	log  *zap.Logger
	now  func() time.Time
	rng  *rand.Rand
	book *book
	// allowLocal accepts loopback and private addresses (regtest).
	allowLocal bool
	// conns is the per-connection state, by peer ID.
	conns map[uint64]*conn
	// relaying are the connections in address relay (those with
	// conn.relay), by peer ID: what relay and the housekeeping tick walk,
	// so that idle peers cost them nothing. Every connection Connected has
	// not yet followed is in it (only gossip and getaddr make one early).
	relaying map[uint64]*conn
	// outbound counts handshaken full-relay outbound connections.
	outbound int
	seed     seeder
	relay    relayer
	// caches are the getaddr answers, one per network of the asker and
	// local socket it reached (Core's m_addr_response_caches).
	caches map[cacheKey]*addrCache
	// processed and rateLimited count gossiped addresses.
	processed, rateLimited uint64
	// bans is connmgr's latest BanFilter (nil: none yet).
	bans *BanFilter

	tick, saveTick *time.Timer
	saving         bool
	saveWG         sync.WaitGroup
	stopped        bool
}

// conn is what the book must know of every connection, in address relay
// or not: who and where the peer is, our end of the connection (the
// getaddr answer's key) and our address as the peer sees it, the kind of
// connection and what the peer asked for. An inbound peer that never
// sends addr, addrv2 or getaddr has nothing more; the state of address
// relay is made when it joins (relay).
type conn struct {
	pid  *actor.PID
	addr netip.AddrPort
	bind netip.AddrPort // our end of the connection; zero: unknown
	// local is our address as the peer sees it (Connected.Local), told to
	// the peer once it is in address relay.
	local netip.AddrPort
	since int64 // when the state was made, Unix nanoseconds
	// relay is the peer's address relay state, made when it joins relay
	// (Core's SetupAddressRelay; nil: m_addr_relay_enabled is false):
	// outbound full-relay and addr-fetch peers at the handshake, inbound
	// ones at their first addr, addrv2 or getaddr. Feelers and outbound
	// block-relay-only peers never join.
	relay     *relayState
	inbound   bool
	addrFetch bool
	feeler    bool
	// blockRelay: an outbound block-relay-only connection, which takes no
	// part in address relay (Connected.BlockRelayOnly).
	blockRelay bool
	wantsV2    bool
	connected  bool // Connected has arrived
	answered   bool // its getaddr has been answered
	pending    bool // a getaddr waits for Connected
}

// relayState is a peer's part in address relay: allocated apart from its
// conn, and only for peers in relay.
type relayState struct {
	// tokens is the peer's allowance of gossiped addresses (Core's
	// m_addr_token_bucket). Core's bucket exists from the connection's
	// start; this one is made when relay begins, as if it had been filling
	// since conn.since, which comes to the same: nothing spends it before.
	tokens tokenBucket
	known  *knownSet // made at the first address it knows
	// toSend are the addresses waiting for the next addr message to the
	// peer (Core's m_addrs_to_send). nextSend is when it may go, Unix
	// nanoseconds (m_next_addr_send); zero: the first one goes at once.
	// flush is the timer that sends it.
	toSend   []queuedAddr
	nextSend int64
	flush    *time.Timer
	// nextLocal is when our address is announced again, Unix nanoseconds
	// (Core's m_next_local_addr_send; zero: never announced yet, and then
	// it goes at once, alone in its message).
	nextLocal int64
	wait      *time.Timer // a getaddr's wait for Connected
	// getAddrSent: our getaddr awaits its answer, which is not relayed.
	getAddrSent bool
}

// queuedAddr is an address waiting in relayState.toSend, with its hash for
// the known filter.
type queuedAddr struct {
	addr protocol.NetAddressV2
	hash uint64
}

// stopTimers stops the relay state's timers.
func (r *relayState) stopTimers() {
	for _, t := range []*time.Timer{r.wait, r.flush} {
		if t != nil {
			t.Stop()
		}
	}
}

// remember notes that the peer knows the address of hash h.
func (r *relayState) remember(h uint64) {
	if r.known == nil {
		r.known = new(knownSet)
	}
	r.known.add(h)
}

// setupRelay puts peer id in address relay, as Core's SetupAddressRelay,
// and returns its relay state; nil for a feeler or an outbound
// block-relay-only connection, which take no part. fresh reports that
// relay began now.
func (a *addrBook) setupRelay(id uint64, c *conn) (r *relayState, fresh bool) {
	if c.feeler || c.blockRelay {
		return nil, false
	}
	if c.relay == nil {
		c.relay = &relayState{tokens: newTokenBucket(time.Unix(0, c.since))}
		a.relaying[id] = c
		fresh = true
	}
	return c.relay, fresh
}

// leaveRelay drops c's relay state: gossip made it before Connected said
// that the connection takes no part in relay.
func (a *addrBook) leaveRelay(id uint64, c *conn) {
	if c.relay != nil {
		c.relay.stopTimers()
		c.relay = nil
		delete(a.relaying, id)
	}
}

// dropConn forgets connection id.
func (a *addrBook) dropConn(id uint64, c *conn) {
	a.leaveRelay(id, c)
	delete(a.conns, id)
}

// seeder is the DNS seeding state.
type seeder struct {
	names    []string
	resolver *net.Resolver
	running  bool
	cancel   context.CancelFunc
	timer    *time.Timer
	retry    time.Duration
	rounds   int
	answered bool // a seed has answered: seeding is done
	warned   bool // "DNS seeds unreachable" has been logged
	fixed    bool // the fixed seeds have been added
}

// Timer messages to the actor itself.
type (
	getAddrTimeout struct{ id uint64 }
	// flushAddrs: the addresses queued for peer id may go.
	flushAddrs   struct{ id uint64 }
	housekeeping struct{}
	saveNow      struct{}
	// saved reports a save done on a goroutine.
	saved struct {
		err     error
		entries int
		took    time.Duration
	}
)

func newAddrBook(cfg Config) *addrBook {
	a := &addrBook{
		cfg:        cfg,
		log:        cfg.Logger,
		now:        cfg.Clock,
		rng:        rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		allowLocal: cfg.Network.Name == "regtest",
		conns:      make(map[uint64]*conn),
		relaying:   make(map[uint64]*conn),
		caches:     make(map[cacheKey]*addrCache),
		relay:      relayer{seed: maphash.MakeSeed()},
	}
	a.seed.names = cfg.Network.DNSSeeds
	if len(cfg.DNSSeeds) > 0 {
		a.seed.names = cfg.DNSSeeds
	}
	a.seed.names = slices.Clone(a.seed.names)
	a.seed.resolver = newResolver(cfg.Resolver)
	return a
}

// Receive handles one message.
func (a *addrBook) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.started(ctx)
	case *actor.Stopping:
		a.stopping(ctx)
	case *actor.Restarting:
		a.stopping(ctx)
	case *actor.Stopped:
	case *dispatcher.Deliver:
		a.deliver(ctx, msg)
	case *Connected:
		a.connected(ctx, msg)
	case *Disconnected:
		a.disconnected(msg)
	case *Attempt:
		a.book.attempt(keyFromAddrPort(msg.Addr), !msg.Success, a.now())
	case *Candidates:
		a.candidates(ctx, msg)
	case *Add:
		a.add(msg)
	case *BanFilter:
		a.bans = msg
	case *GetAddrs:
		ctx.Send(msg.ReplyTo, a.snapshot())
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *getAddrTimeout:
		a.getAddrTimeout(ctx, msg)
	case *flushAddrs:
		a.flushAddrs(ctx, msg)
	case *housekeeping:
		a.housekeeping(ctx)
	case *saveNow:
		a.saveAsync(ctx)
	case *saved:
		a.saved(msg)
	case *seedNow:
		a.seedNow(ctx)
	case *seedCheck:
		a.seedCheck(ctx)
	case *seedResult:
		a.seedDone(ctx, msg)
	default:
		a.log.Debug("unexpected message", zap.String("type", fmt.Sprintf("%T", msg)))
	}
}

func (a *addrBook) started(ctx actor.Context) {
	a.load()
	if d := a.cfg.Dispatcher; d != nil {
		for _, cmd := range []string{protocol.CmdAddr, protocol.CmdAddrV2, protocol.CmdGetAddr} {
			ctx.Send(d, &dispatcher.Register{Command: cmd, Handler: ctx.Self()})
		}
	}
	seeding := a.cfg.DNSSeed && len(a.seed.names) > 0
	switch {
	case seeding && a.cfg.SeedNodes:
		a.seed.timer = a.after(ctx, seedNodeWait, &seedCheck{})
	case seeding && a.book.len() == 0:
		a.startSeeding(ctx)
	case seeding && a.book.len() >= seedManyThreshold:
		a.seed.timer = a.after(ctx, seedDelayMany, &seedCheck{})
	case seeding:
		a.seed.timer = a.after(ctx, seedDelay, &seedCheck{})
	case a.cfg.FixedSeeds && a.book.len() == 0 && !a.cfg.SeedNodes:
		a.addFixedSeeds()
	}
	a.tick = a.after(ctx, tickInterval, &housekeeping{})
	if a.cfg.File != "" {
		a.saveTick = a.after(ctx, saveInterval, &saveNow{})
	}
}

func (a *addrBook) stopping(ctx actor.Context) {
	if a.stopped {
		return
	}
	a.stopped = true
	if d := a.cfg.Dispatcher; d != nil {
		ctx.Send(d, &dispatcher.Unregister{Handler: ctx.Self()})
	}
	if a.seed.cancel != nil {
		a.seed.cancel()
	}
	for _, t := range []*time.Timer{a.seed.timer, a.tick, a.saveTick} {
		if t != nil {
			t.Stop()
		}
	}
	for _, c := range a.relaying {
		c.relay.stopTimers()
	}
	if a.cfg.File == "" {
		return
	}
	// The final save: after any periodic one still writing.
	a.saveWG.Wait()
	start := time.Now()
	if err := atomicfile.Write(a.cfg.File, a.book.encode()); err != nil {
		a.log.Error("cannot save address book", zap.Error(err))
		return
	}
	a.log.Info("saved address book", zap.String("file", a.cfg.File), zap.Int("new", a.book.newLen()),
		zap.Int("tried", a.book.triedLen()), zap.Duration("took", time.Since(start)))
}

// after posts msg to the actor itself after d.
func (a *addrBook) after(ctx actor.Context, d time.Duration, msg any) *time.Timer {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	return time.AfterFunc(d, func() { root.Send(self, msg) })
}

func (a *addrBook) connected(ctx actor.Context, msg *Connected) {
	now := a.now()
	c := a.conns[msg.ID]
	if c == nil {
		c = &conn{since: now.UnixNano()}
		a.conns[msg.ID] = c
	}
	first := !c.connected
	c.pid, c.addr, c.inbound, c.wantsV2, c.connected = msg.Peer, unmap(msg.Addr), msg.Inbound, msg.WantsAddrV2, true
	c.bind = unmap(msg.LocalSocket)
	c.addrFetch, c.feeler, c.local = msg.AddrFetch, msg.Feeler, msg.Local
	if first {
		c.since = now.UnixNano()
	}
	if msg.Feeler && first {
		// A feeler only tests the address: no slot, no getaddr, no relay.
		a.leaveRelay(msg.ID, c)
		if k := keyFromAddrPort(c.addr); k.valid(a.allowLocal) {
			a.book.good(k, msg.Services, true, now)
		}
		return
	}
	if msg.BlockRelayOnly && !msg.Inbound && first {
		// Core marks the address good (the tried table), and nothing more:
		// no getaddr, no address of ours, no relay, so that the peer learns
		// nothing of our address book; nor does its end update the
		// address's time (FinalizeNode skips Connected for it).
		c.blockRelay = true
		a.leaveRelay(msg.ID, c)
		if k := keyFromAddrPort(c.addr); k.valid(a.allowLocal) {
			a.book.good(k, msg.Services, true, now)
		}
		return
	}
	if !msg.Inbound && first {
		// Core sets up address relay with an outbound peer in its version
		// handler (an inbound one only at its first addr, addrv2 or
		// getaddr: until then it has no relay state at all).
		r, _ := a.setupRelay(msg.ID, c)
		if !msg.AddrFetch {
			a.outbound++
			// Core's first pass over the peer's address queue happens at
			// the handshake, with nothing in it.
			r.nextSend = now.Add(expDuration(addrSendInterval, a.rng)).UnixNano()
		}
		k := keyFromAddrPort(c.addr)
		// An address we dialled and shook hands with is a live node: keep it
		// even when it came from -connect or -addnode rather than the book,
		// so that getaddr answers spread it.
		if k.valid(a.allowLocal) {
			a.book.add(k, msg.Services, now, netip.Addr{}, 0, now, a.rng)
		}
		a.book.good(k, msg.Services, true, now)
		// Core asks every outbound peer for addresses, once, with its
		// verack, and then tells it our own address. In that order the
		// peer's first address message is the getaddr, which it answers at
		// once; an addr first would start its send timer.
		ctx.Send(msg.Peer, &peer.SendMessage{Msg: &protocol.MsgGetAddr{}})
		r.getAddrSent = true
		r.tokens.tokens += getAddrCredit
		a.advertiseSelf(ctx, msg.ID, c, now)
		a.log.Debug("asking for addresses", zap.Uint64("peer", msg.ID), zap.Stringer("addr", msg.Addr),
			zap.Bool("addr_fetch", msg.AddrFetch))
	}
	if msg.Inbound && first && c.relay != nil {
		// Its addr, addrv2 or getaddr overtook Connected: it joined relay
		// before we knew our address as it sees it. Tell it now, before the
		// answer to a waiting getaddr, as Core's MaybeSendAddr would have.
		a.advertiseSelf(ctx, msg.ID, c, now)
	}
	if c.pending {
		a.answerGetAddr(ctx, msg.ID, c)
	}
}

func (a *addrBook) disconnected(msg *Disconnected) {
	c := a.conns[msg.ID]
	if c == nil {
		return
	}
	if c.connected && !c.inbound && !c.blockRelay {
		if !c.addrFetch && !c.feeler {
			a.outbound--
		}
		a.book.connected(keyFromAddrPort(c.addr), a.now())
	}
	a.dropConn(msg.ID, c)
}

func (a *addrBook) candidates(ctx actor.Context, msg *Candidates) {
	now := a.now()
	a.book.resolveCollisions(now)
	exclude := make(map[netip.AddrPort]bool, len(msg.Exclude))
	for _, ap := range msg.Exclude {
		exclude[unmap(ap)] = true
	}
	if msg.Feeler {
		var addrs []netip.AddrPort
		if ap, ok := a.book.feelerCandidate(exclude, now, a.rng); ok {
			addrs = append(addrs, ap)
		}
		ctx.Send(msg.ReplyTo, &CandidatesReply{Addrs: addrs, Feeler: true, Services: a.book.servicesOf(addrs)})
		return
	}
	addrs := a.book.candidates(min(msg.Max, maxCandidates), exclude, now, a.rng)
	ctx.Send(msg.ReplyTo, &CandidatesReply{Addrs: addrs, Services: a.book.servicesOf(addrs)})
}

func (a *addrBook) add(msg *Add) {
	now := a.now()
	added := 0
	for _, na := range msg.Addrs {
		seen := now
		if na.Timestamp != 0 {
			seen = time.Unix(int64(na.Timestamp), 0)
		}
		k := keyFromAddrPort(na.AddrPort())
		if k.valid(a.allowLocal) && a.book.add(k, na.Services, seen, msg.Source, 0, now, a.rng) {
			added++
		}
	}
	a.log.Debug("added addresses", zap.Int("count", len(msg.Addrs)), zap.Int("new", added),
		zap.Stringer("source", msg.Source))
}

func (a *addrBook) snapshot() *Addrs {
	out := &Addrs{
		List: make([]Entry, 0, a.book.len()),
		New:  a.book.newLen(), Tried: a.book.triedLen(),
		Processed: a.processed, RateLimited: a.rateLimited,
	}
	for _, list := range [][]*entry{a.book.triedList, a.book.newList} {
		for _, e := range list {
			ent := Entry{
				Network:     e.key.net.String(),
				Host:        e.key.String(),
				Services:    e.services,
				Source:      e.source,
				LastSeen:    e.lastSeen,
				LastTry:     e.lastTry,
				LastSuccess: e.lastSuccess,
				Attempts:    e.attempts,
				Tried:       e.tried,
			}
			ent.Addr, _ = e.key.addrPort()
			out.List = append(out.List, ent)
		}
	}
	return out
}

func (a *addrBook) describe(ctx actor.Context, msg *inspect.Describe) {
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self: ctx.Self(),
		Kind: "addrbook",
		Summary: map[string]any{
			"addresses":         a.book.len(),
			"new":               a.book.newLen(),
			"tried":             a.book.triedLen(),
			"connections":       len(a.conns),
			"address_relay":     len(a.relaying),
			"outbound":          a.outbound,
			"seeding":           a.seedState(),
			"addr_processed":    a.processed,
			"addr_rate_limited": a.rateLimited,
			"file":              a.cfg.File,
		},
	})
}

// housekeeping runs every tickInterval: settles tried collisions, ends
// -seednode connections that outstayed, announces our address to peers in
// relay about daily (at once to one whose first announcement waited, for
// the end of initial block download), and forgets connection state
// Connected never followed. It walks only the peers in address relay: a
// peer outside it is never told our address, and every connection still
// waiting for Connected is in relay.
func (a *addrBook) housekeeping(ctx actor.Context) {
	a.tick = a.after(ctx, tickInterval, &housekeeping{})
	now := a.now()
	a.book.resolveCollisions(now)
	for id, c := range a.relaying {
		switch {
		case !c.connected:
			if !c.pending && now.Sub(time.Unix(0, c.since)) > staleConn {
				a.dropConn(id, c)
			}
		case c.addrFetch:
			if now.Sub(time.Unix(0, c.since)) > addrFetchLifetime {
				ctx.Send(c.pid, &peer.Disconnect{Reason: ErrAddrFetchTimeout})
			}
		case now.UnixNano() > c.relay.nextLocal:
			a.advertiseSelf(ctx, id, c, now)
		}
	}
}
