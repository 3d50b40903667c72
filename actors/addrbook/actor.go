package addrbook

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
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
	// Services are our own service bits, announced with our address.
	Services protocol.ServiceFlag
	// Dispatcher is where the book registers for addr, addrv2 and getaddr.
	// Nil: the book gets no gossip (tests, or a node without dispatcher).
	Dispatcher *actor.PID
	// Logger receives the book's log lines; nil means zap.NewNop().
	Logger *zap.Logger
	// Clock is the time source for timestamps; nil means time.Now. Timers
	// use the time package (fake inside a testing/synctest bubble).
	Clock func() time.Time
}

// Per-connection and gossip limits.
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

// addrBook is the actor. Only its Receive goroutine touches these fields.
type addrBook struct {
	cfg   Config
	log   *zap.Logger
	now   func() time.Time
	rng   *rand.Rand
	book  *book
	other *otherTable
	// allowLocal accepts loopback and private addresses (regtest).
	allowLocal bool
	// conns is the per-connection state, by peer ID.
	conns map[uint64]*conn
	// outbound counts handshaken outbound connections.
	outbound int
	seed     seeder
}

// conn is what the book remembers about one connection.
type conn struct {
	pid       *actor.PID
	addr      netip.AddrPort
	inbound   bool
	wantsV2   bool
	connected bool // Connected has arrived
	answered  bool // its getaddr has been answered
	pending   bool // a getaddr waits for Connected
	wait      *time.Timer
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

type getAddrTimeout struct{ id uint64 }

func newAddrBook(cfg Config) *addrBook {
	a := &addrBook{
		cfg:        cfg,
		log:        cfg.Logger,
		now:        cfg.Clock,
		rng:        rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		book:       newBook(maxEntries),
		other:      newOtherTable(maxOtherEntries),
		allowLocal: cfg.Network.Name == "regtest",
		conns:      make(map[uint64]*conn),
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
		a.book.attempt(msg.Addr, msg.Success, a.now())
	case *Candidates:
		a.candidates(ctx, msg)
	case *Add:
		a.add(msg)
	case *GetAddrs:
		ctx.Send(msg.ReplyTo, a.snapshot())
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *getAddrTimeout:
		a.getAddrTimeout(ctx, msg)
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
	if d := a.cfg.Dispatcher; d != nil {
		for _, cmd := range []string{protocol.CmdAddr, protocol.CmdAddrV2, protocol.CmdGetAddr} {
			ctx.Send(d, &dispatcher.Register{Command: cmd, Handler: ctx.Self()})
		}
	}
	switch {
	case a.cfg.DNSSeed && len(a.seed.names) > 0 && a.book.len() == 0:
		a.startSeeding(ctx)
	case a.cfg.DNSSeed && len(a.seed.names) > 0:
		a.seed.timer = a.after(ctx, seedDelay, &seedCheck{})
	case a.cfg.FixedSeeds && a.book.len() == 0:
		a.addFixedSeeds()
	}
}

func (a *addrBook) stopping(ctx actor.Context) {
	if d := a.cfg.Dispatcher; d != nil {
		ctx.Send(d, &dispatcher.Unregister{Handler: ctx.Self()})
	}
	if a.seed.cancel != nil {
		a.seed.cancel()
	}
	if a.seed.timer != nil {
		a.seed.timer.Stop()
	}
	for _, c := range a.conns {
		if c.wait != nil {
			c.wait.Stop()
		}
	}
}

// after posts msg to the actor itself after d.
func (a *addrBook) after(ctx actor.Context, d time.Duration, msg any) *time.Timer {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	return time.AfterFunc(d, func() { root.Send(self, msg) })
}

// deliver handles the gossip the dispatcher forwards.
func (a *addrBook) deliver(ctx actor.Context, d *dispatcher.Deliver) {
	switch m := d.Msg.(type) {
	case *protocol.MsgAddr:
		a.gossip(d.From, m.AddrList, nil)
	case *protocol.MsgAddrV2:
		a.gossip(d.From, nil, m.AddrList)
	case *protocol.MsgGetAddr:
		a.getAddr(ctx, d.From)
	default:
		a.log.Debug("unexpected delivery", zap.String("command", d.Msg.Command()))
	}
}

// gossip adds the addresses of an addr (v1) or addrv2 (v2) message.
func (a *addrBook) gossip(from dispatcher.Sender, v1 []protocol.NetAddress, v2 []protocol.NetAddressV2) {
	now := a.now()
	source := from.Remote.Addr().Unmap()
	total, added := 0, 0
	for i := range v1 {
		if total == protocol.MaxAddrPerMsg {
			break
		}
		total++
		na := &v1[i]
		if a.addIP(na.AddrPort(), na.Services, gossipStamp(na.Timestamp, now), source, now) {
			added++
		}
	}
	for i := range v2 {
		if total == protocol.MaxAddrPerMsg {
			break
		}
		total++
		if a.addV2(&v2[i], source, now) {
			added++
		}
	}
	a.log.Debug("received addresses",
		zap.Uint64("peer", from.ID), zap.Stringer("addr", from.Remote),
		zap.Int("count", total), zap.Int("new", added), zap.Int("known", a.size()))
}

// gossipStamp turns an addr timestamp into the time the address counts as
// seen: absurd stamps become five days ago, and second-hand news ages by
// gossipPenalty, as in Core.
func gossipStamp(ts uint32, now time.Time) time.Time {
	t := time.Unix(int64(ts), 0)
	if ts <= 100_000_000 || t.After(now.Add(futureSlack)) {
		return now.Add(-staleStamp)
	}
	return t.Add(-gossipPenalty)
}

// addIP adds one IP address if it is usable, reporting whether it was new.
func (a *addrBook) addIP(ap netip.AddrPort, services protocol.ServiceFlag, seen time.Time, source netip.Addr, now time.Time) bool {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if !usable(ap, a.allowLocal) {
		return false
	}
	return a.book.add(ap, services, seen, source, now, a.rng)
}

func (a *addrBook) size() int { return a.book.len() + a.other.len() }

// getAddr answers an inbound peer's getaddr, once per connection.
func (a *addrBook) getAddr(ctx actor.Context, from dispatcher.Sender) {
	if !from.Inbound {
		// Core ignores getaddr from outbound peers: answering would let a
		// peer we chose fingerprint us.
		a.log.Debug("ignoring getaddr from outbound peer", zap.Uint64("peer", from.ID))
		return
	}
	c := a.conns[from.ID]
	if c == nil {
		c = &conn{pid: from.PID, addr: from.Remote, inbound: true}
		a.conns[from.ID] = c
	}
	if c.answered || c.pending {
		a.log.Debug("ignoring repeated getaddr", zap.Uint64("peer", from.ID))
		return
	}
	if !c.connected {
		// The getaddr overtook connmgr's Connected, which says whether the
		// peer wants addrv2: wait for it, a little.
		c.pending = true
		c.wait = a.after(ctx, getAddrWait, &getAddrTimeout{id: from.ID})
		return
	}
	a.answerGetAddr(ctx, from.ID, c)
}

func (a *addrBook) getAddrTimeout(ctx actor.Context, msg *getAddrTimeout) {
	c := a.conns[msg.id]
	if c == nil || !c.pending {
		return
	}
	a.answerGetAddr(ctx, msg.id, c)
	if !c.connected {
		// Connected never came (the peer is likely gone): drop the state
		// so it cannot pile up.
		delete(a.conns, msg.id)
	}
}

// answerGetAddr sends c a random sample of the book.
func (a *addrBook) answerGetAddr(ctx actor.Context, id uint64, c *conn) {
	c.pending, c.answered = false, true
	if c.wait != nil {
		c.wait.Stop()
		c.wait = nil
	}
	now := a.now()
	sample := a.book.sample(maxGetAddrReply, now, a.rng)
	var msg protocol.Message
	if c.wantsV2 {
		m := &protocol.MsgAddrV2{AddrList: make([]protocol.NetAddressV2, 0, maxGetAddrReply)}
		for _, e := range sample {
			m.AddrList = append(m.AddrList, v2FromEntry(e))
		}
		m.AddrList = a.other.sample(m.AddrList, maxGetAddrReply, now, a.rng)
		msg = m
	} else {
		m := &protocol.MsgAddr{AddrList: make([]protocol.NetAddress, 0, len(sample))}
		for _, e := range sample {
			m.AddrList = append(m.AddrList, protocol.NetAddress{
				Timestamp: unixStamp(e.lastSeen),
				Services:  e.services,
				Addr:      e.addr.Addr(),
				Port:      e.addr.Port(),
			})
		}
		msg = m
	}
	ctx.Send(c.pid, &peer.SendMessage{Msg: msg})
	a.log.Debug("answered getaddr", zap.Uint64("peer", id), zap.Stringer("addr", c.addr),
		zap.String("command", msg.Command()), zap.Int("count", len(sample)))
}

func unixStamp(t time.Time) uint32 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint32(t.Unix())
}

func (a *addrBook) connected(ctx actor.Context, msg *Connected) {
	c := a.conns[msg.ID]
	if c == nil {
		c = &conn{}
		a.conns[msg.ID] = c
	}
	first := !c.connected
	c.pid, c.addr, c.inbound, c.wantsV2, c.connected = msg.Peer, msg.Addr, msg.Inbound, msg.WantsAddrV2, true
	if !msg.Inbound && first {
		a.outbound++
		remote := netip.AddrPortFrom(msg.Addr.Addr().Unmap(), msg.Addr.Port())
		// An address we dialled and shook hands with is a live node: keep it
		// even when it came from -connect or -addnode rather than the book,
		// so that getaddr answers spread it.
		if usable(remote, a.allowLocal) {
			a.book.add(remote, msg.Services, a.now(), netip.Addr{}, a.now(), a.rng)
		}
		a.book.good(remote, msg.Services, a.now())
		// Core tells every outbound peer our own address and asks it for
		// addresses, once, right after the handshake.
		a.advertiseSelf(ctx, msg, c)
		ctx.Send(msg.Peer, &peer.SendMessage{Msg: &protocol.MsgGetAddr{}})
		a.log.Debug("asking for addresses", zap.Uint64("peer", msg.ID), zap.Stringer("addr", msg.Addr))
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
	if c.connected && !c.inbound {
		a.outbound--
	}
	if c.wait != nil {
		c.wait.Stop()
	}
	delete(a.conns, msg.ID)
}

func (a *addrBook) candidates(ctx actor.Context, msg *Candidates) {
	exclude := make(map[netip.AddrPort]bool, len(msg.Exclude))
	for _, ap := range msg.Exclude {
		exclude[ap] = true
	}
	addrs := a.book.candidates(min(msg.Max, maxCandidates), exclude, a.now(), a.rng)
	ctx.Send(msg.ReplyTo, &CandidatesReply{Addrs: addrs})
}

func (a *addrBook) add(msg *Add) {
	now := a.now()
	added := 0
	for _, na := range msg.Addrs {
		seen := now
		if na.Timestamp != 0 {
			seen = time.Unix(int64(na.Timestamp), 0)
		}
		if a.addIP(na.AddrPort(), na.Services, seen, msg.Source, now) {
			added++
		}
	}
	a.log.Debug("added addresses", zap.Int("count", len(msg.Addrs)), zap.Int("new", added),
		zap.Stringer("source", msg.Source))
}

func (a *addrBook) snapshot() *Addrs {
	out := &Addrs{List: make([]Entry, 0, a.size())}
	for _, e := range a.book.list {
		network := "ipv4"
		if e.addr.Addr().Is6() {
			network = "ipv6"
		}
		out.List = append(out.List, Entry{
			Addr:        e.addr,
			Network:     network,
			Host:        e.addr.String(),
			Services:    e.services,
			Source:      e.source,
			LastSeen:    e.lastSeen,
			LastTry:     e.lastTry,
			LastSuccess: e.lastSuccess,
			Attempts:    e.attempts,
		})
	}
	return a.other.snapshot(out)
}

func (a *addrBook) describe(ctx actor.Context, msg *inspect.Describe) {
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self: ctx.Self(),
		Kind: "addrbook",
		Summary: map[string]any{
			"addresses":   a.size(),
			"connections": len(a.conns),
			"outbound":    a.outbound,
			"seeding":     a.seedState(),
		},
	})
}

// seedState names what seeding is doing, for Describe.
func (a *addrBook) seedState() string {
	switch {
	case !a.cfg.DNSSeed || len(a.seed.names) == 0:
		return "off"
	case a.seed.running:
		return "resolving"
	case a.seed.answered:
		return "done"
	case a.seed.rounds > 0:
		return "retrying"
	}
	return "waiting"
}

// seedCheck runs seedDelay after a start with a non-empty book: seed unless
// enough outbound peers have connected meanwhile.
func (a *addrBook) seedCheck(ctx actor.Context) {
	if a.outbound >= seedOutboundEnough {
		a.log.Debug("skipping DNS seeding: enough outbound peers", zap.Int("outbound", a.outbound))
		return
	}
	a.startSeeding(ctx)
}

// seedNow runs a retry round, unless seeding is no longer needed.
func (a *addrBook) seedNow(ctx actor.Context) {
	if a.seed.answered || a.outbound > 0 {
		a.log.Debug("DNS seeding no longer needed", zap.Int("outbound", a.outbound))
		return
	}
	a.startSeeding(ctx)
}

// startSeeding resolves the seed names on a goroutine of its own, which
// reports back with *seedResult.
func (a *addrBook) startSeeding(ctx actor.Context) {
	if a.seed.running {
		return
	}
	lctx, cancel := context.WithCancel(context.Background())
	a.seed.running, a.seed.cancel = true, cancel
	a.seed.rounds++
	root, self := ctx.ActorSystem().Root, ctx.Self()
	names, resolver, port := a.seed.names, a.seed.resolver, a.cfg.Network.DefaultPort
	a.log.Debug("resolving DNS seeds", zap.Strings("seeds", names), zap.Int("round", a.seed.rounds))
	go func() {
		var res seedResult
		defer func() {
			if p := recover(); p != nil {
				res = seedResult{errs: []error{fmt.Errorf("%w: %v", errSeedPanic, p)}}
			}
			root.Send(self, &res)
		}()
		res = lookupSeeds(lctx, resolver, names, port)
	}()
}

func (a *addrBook) seedDone(ctx actor.Context, res *seedResult) {
	a.seed.running = false
	if a.seed.cancel != nil {
		a.seed.cancel()
		a.seed.cancel = nil
	}
	now := a.now()
	added, answered := 0, 0
	for _, ans := range res.found {
		source := seedSource(ans.name)
		n := 0
		for _, ap := range ans.addrs {
			if a.addIP(ap, seedServices, now, source, now) {
				n++
			}
		}
		added += n
		answered++
		a.log.Debug("DNS seed answered", zap.String("seed", ans.name),
			zap.Int("addresses", len(ans.addrs)), zap.Int("new", n))
	}
	if answered > 0 {
		a.seed.answered = true
		a.log.Info("DNS seeding done", zap.Int("seeds_answered", answered),
			zap.Int("seeds_failed", len(res.errs)), zap.Int("new", added), zap.Int("known", a.size()))
		return
	}
	if a.cfg.FixedSeeds && !a.seed.fixed {
		a.addFixedSeeds()
	}
	if a.seed.retry == 0 {
		a.seed.retry = seedRetryMin
	} else {
		a.seed.retry = min(2*a.seed.retry, seedRetryMax)
	}
	err := errNoAnswer
	if len(res.errs) > 0 {
		err = res.errs[0]
	}
	if !a.seed.warned {
		a.seed.warned = true
		a.log.Warn("DNS seeds unreachable", zap.Error(err), zap.Int("seeds", len(a.seed.names)),
			zap.Duration("retry_in", a.seed.retry))
	} else {
		a.log.Debug("DNS seeds still unreachable", zap.Error(err), zap.Int("round", a.seed.rounds),
			zap.Duration("retry_in", a.seed.retry))
	}
	a.seed.timer = a.after(ctx, a.seed.retry, &seedNow{})
}

// addFixedSeeds adds the network's built-in addresses (once).
func (a *addrBook) addFixedSeeds() {
	a.seed.fixed = true
	if len(a.cfg.Network.FixedSeeds) == 0 {
		return
	}
	now := a.now()
	added := 0
	for _, ap := range a.cfg.Network.FixedSeeds {
		if a.addIP(ap, seedServices, now, netip.Addr{}, now) {
			added++
		}
	}
	a.log.Info("adding fixed seeds", zap.Int("count", len(a.cfg.Network.FixedSeeds)), zap.Int("new", added))
}

// advertiseSelf sends the peer of msg our own address, when we listen and
// the address is one the network would store.
func (a *addrBook) advertiseSelf(ctx actor.Context, msg *Connected, c *conn) {
	if !msg.Local.IsValid() || !usable(msg.Local, a.allowLocal) {
		return
	}
	self := protocol.NetAddress{
		Timestamp: unixStamp(a.now()), Services: a.cfg.Services,
		Addr: msg.Local.Addr(), Port: msg.Local.Port(),
	}
	var out protocol.Message = &protocol.MsgAddr{AddrList: []protocol.NetAddress{self}}
	if c.wantsV2 {
		out = &protocol.MsgAddrV2{AddrList: []protocol.NetAddressV2{protocol.NetAddressV2From(self)}}
	}
	ctx.Send(msg.Peer, &peer.SendMessage{Msg: out})
	a.log.Debug("advertising our address", zap.Uint64("peer", msg.ID), zap.Stringer("local", msg.Local))
}
