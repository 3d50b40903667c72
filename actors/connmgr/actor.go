package connmgr

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Config is what the connection manager is built with.
type Config struct {
	// Network gives the default port.
	Network protocol.Params
	// Listen accepts inbound connections on Bind.
	Listen bool
	// Bind lists the addresses to listen on; empty means 0.0.0.0 on the
	// network's default port.
	Bind []netip.AddrPort
	// Connect, when set, lists the only peers to dial ("host:port", the port
	// defaulting to the network's): no automatic outbound connections are
	// made, as with Core's -connect. They are redialled like AddNode.
	Connect []string
	// AddNode lists peers to keep connected, reconnecting with a backoff of
	// 1 s doubling to 2 minutes.
	AddNode []string
	// SeedNode lists peers to ask for addresses once (Core's -seednode):
	// each is dialled once as an addr-fetch connection, which the address
	// book asks getaddr and has closed when the answer comes.
	SeedNode []string
	// MaxOutbound is the number of automatic full-relay outbound slots,
	// filled from the address book; Core has DefaultMaxOutbound (8). 0 (or
	// less) turns them off.
	MaxOutbound int
	// MaxConnections bounds all connections: inbound ones are admitted up to
	// MaxConnections minus MaxOutbound, minus one for the feeler when
	// feelers run (as Core counts them). 0 means the default, 125 (Core's
	// DEFAULT_MAX_PEER_CONNECTIONS).
	MaxConnections int
	// MaxHandshakingPerGroup bounds the inbound connections from one
	// source group (IPv4 /24, IPv6 /64) still in their handshake; more are
	// refused at accept. 0 means DefaultMaxHandshakingPerGroup (8, as btcd);
	// negative means no limit.
	MaxHandshakingPerGroup int
	// DialTimeout bounds one outbound connection attempt. 0 means 5 s
	// (Core's DEFAULT_CONNECT_TIMEOUT).
	DialTimeout time.Duration
	// FeelerInterval is the mean time between feeler connections (Core's
	// FEELER_INTERVAL), made while the automatic outbound slots are full:
	// one at a time, each to the tried address a pending collision would
	// evict (its test, as in Core's test-before-evict) or else to an
	// address of the new table, closed once the handshake is done. A
	// handshake moves the address to the tried table; a failure counts
	// against it. 0 means DefaultFeelerInterval; negative turns feelers
	// off. There are none without automatic outbound slots or in -connect
	// mode.
	FeelerInterval time.Duration
	// BanFile is where the ban list is kept across restarts, in the format
	// of Core's banlist.json: read at start, written at every change, when
	// bans expire and at stop. "" keeps bans in memory only.
	BanFile string
	// IO is the io actor: connmgr sends it Listen, Dial, Attach and Close.
	IO *actor.PID
	// AddrBook gives outbound candidates and hears of every outcome. Nil
	// turns the automatic outbound slots off.
	AddrBook *actor.PID
	// Dispatcher is handed to every peer.
	Dispatcher *actor.PID
	// PeerTemplate is the peer configuration common to all peers; connmgr
	// fills ID, Conn, Remote, Local, Inbound, IO, Dispatcher and Nonces.
	PeerTemplate peer.Config
	// PeerProps builds a peer actor's props; nil means peer.Props.
	PeerProps func(peer.Config) *actor.Props
	// Logger receives connmgr's log lines; nil means zap.NewNop().
	Logger *zap.Logger
	// Clock is the time source for connection times and bans; nil means
	// time.Now. Timers use the time package (fake inside a
	// testing/synctest bubble).
	Clock func() time.Time
}

// Defaults of Config.
const (
	// DefaultMaxOutbound is Core's MAX_OUTBOUND_FULL_RELAY_CONNECTIONS.
	DefaultMaxOutbound = 8
	// DefaultMaxConnections is Core's DEFAULT_MAX_PEER_CONNECTIONS.
	DefaultMaxConnections = 125
	// DefaultDialTimeout is Core's DEFAULT_CONNECT_TIMEOUT.
	DefaultDialTimeout = 5 * time.Second
	// DefaultFeelerInterval is Core's FEELER_INTERVAL.
	DefaultFeelerInterval = 2 * time.Minute
)

// Timing of the manager's own work.
const (
	// tickInterval is how often free outbound slots and manual nodes are
	// looked at (Core's open-connections loop waits 500 ms between tries).
	tickInterval = 500 * time.Millisecond
	// closingWait is how long a peer that stopped before its connection
	// closed waits for io's Closed before it is forgotten anyway.
	closingWait = 30 * time.Second
	// candidatesWait is how long an unanswered Candidates request holds
	// back the next one (the book may have restarted and lost it).
	candidatesWait = 5 * time.Second
)

// Props returns the props of a connection manager actor configured by cfg.
// Its children, the peers, are stopped when they fail: a crashed peer loses
// its connection and nothing else.
func Props(cfg Config) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxOutbound < 0 {
		cfg.MaxOutbound = 0
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.FeelerInterval == 0 {
		cfg.FeelerInterval = DefaultFeelerInterval
	}
	if cfg.MaxHandshakingPerGroup == 0 {
		cfg.MaxHandshakingPerGroup = DefaultMaxHandshakingPerGroup
	}
	if cfg.PeerProps == nil {
		cfg.PeerProps = func(c peer.Config) *actor.Props { return peer.Props(c) }
	}
	log := cfg.Logger
	decider := func(reason any) actor.Directive {
		log.Error("peer crashed", zap.Any("reason", reason))
		return actor.StopDirective
	}
	return actor.PropsFromProducer(func() actor.Actor { return newConnMgr(cfg) },
		actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, decider)))
}

// connMgr is the actor: the single writer of the peer table. Only its
// Receive goroutine touches these fields.
type connMgr struct {
	cfg        Config
	log        *zap.Logger
	now        func() time.Time
	nonces     *peer.Nonces
	maxInbound int
	// maxHandshaking is Config.MaxHandshakingPerGroup (<= 0: no limit);
	// adm counts inbound slots and half-open connections per group.
	maxHandshaking int
	adm            admission

	nextID  uint64 // next peer ID (Core's NodeId counter)
	nextTag uint64 // next Dial tag
	nextKey uint64 // next onetry key

	peers   map[uint64]*peerConn
	byConn  map[transport.ConnID]*peerConn
	closing map[transport.ConnID]closingPeer // peer gone, Closed not yet seen
	dials   map[uint64]*pendingDial
	manual  map[string]*manualNode
	// fullRelayPeers and feelerPeers count the peers of connection type
	// ConnOutboundFullRelay and ConnFeeler in peers.
	fullRelayPeers, feelerPeers int

	bans banList
	// bansDirty says the ban list changed since it was last saved.
	bansDirty bool

	listeners []*listener
	// locals are our own addresses (SetLocalAddr), strongest first.
	locals []LocalAddr
	// asked is set while a Candidates request is unanswered, since askedAt.
	asked   bool
	askedAt time.Time
	// nextFeeler is when the next feeler is due; askedFeeler says its
	// candidate was asked for and not yet answered (since askedFeelerAt).
	nextFeeler    time.Time
	askedFeeler   bool
	askedFeelerAt time.Time
	// rng draws the feelers' times.
	rng *rand.Rand

	tick    *time.Timer
	cancel  context.CancelFunc // ends the lookups of manual nodes
	lookups context.Context
	stopped bool
}

// peerConn is one row of the peer table.
type peerConn struct {
	id         uint64
	pid        *actor.PID
	conn       transport.ConnID
	remote     netip.AddrPort
	local      netip.AddrPort
	inbound    bool
	connType   string
	handshaken bool
	since      time.Time
	// manual is the key of the manual node it serves ("" for none).
	manual string
	// evicted says it was chosen for eviction and no longer holds a slot;
	// minPing is its smallest ping time (peer.PingTime), 0 if none.
	evicted bool
	minPing time.Duration
}

// closingPeer is a peer whose actor stopped (gone is when) while io had
// not yet reported its connection closed.
type closingPeer struct {
	*peerConn
	gone time.Time
}

// hsGroup is the source group of an inbound peer's handshake limit.
func (p *peerConn) hsGroup() netip.Prefix { return handshakeGroup(p.remote.Addr()) }

// pendingDial is an outbound attempt io has not answered yet.
type pendingDial struct {
	addr     netip.AddrPort
	connType string
	manual   string
}

type listener struct {
	requested netip.AddrPort
	addr      netip.AddrPort
	err       error
	done      bool
}

// peerPrefix starts the name of every peer actor: "peer-<id>", like
// Core's node id.
const peerPrefix = "peer-"

// tick is the manager's heartbeat (timer).
type tick struct{}

// feelerSlots is the number of connections feelers may hold: one when
// they run (they are on, there are automatic outbound slots and an address
// book, and no -connect). Like Core, connmgr keeps it out of the inbound
// slots, so that MaxConnections bounds every connection.
func feelerSlots(cfg Config) int {
	if cfg.FeelerInterval < 0 || cfg.MaxOutbound == 0 || cfg.AddrBook == nil || len(cfg.Connect) > 0 {
		return 0
	}
	return 1
}

func newConnMgr(cfg Config) *connMgr {
	ctx, cancel := context.WithCancel(context.Background())
	return &connMgr{
		cfg:            cfg,
		log:            cfg.Logger,
		now:            cfg.Clock,
		nonces:         peer.NewNonces(),
		maxInbound:     max(cfg.MaxConnections-cfg.MaxOutbound-feelerSlots(cfg), 0),
		maxHandshaking: cfg.MaxHandshakingPerGroup,
		adm:            newAdmission(),
		peers:          make(map[uint64]*peerConn),
		byConn:         make(map[transport.ConnID]*peerConn),
		closing:        make(map[transport.ConnID]closingPeer),
		dials:          make(map[uint64]*pendingDial),
		manual:         make(map[string]*manualNode),
		lookups:        ctx,
		cancel:         cancel,
		rng:            rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

// Receive handles one message.
func (c *connMgr) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.started(ctx)
	case *actor.Stopping:
		c.stopping(ctx)
	case *actor.Restarting:
		c.stopping(ctx)
	case *actor.Stopped:
	case *tick:
		c.onTick(ctx)
	case *transport.Listening:
		c.listening(ctx, msg)
	case *transport.Accepted:
		c.accepted(ctx, msg)
	case *transport.Dialed:
		c.dialed(ctx, msg)
	case *transport.Closed:
		c.closed(ctx, msg)
	case *actor.Terminated:
		c.terminated(ctx, msg)
	case *peer.Handshaken:
		c.handshaken(ctx, msg)
	case *peer.PingTime:
		c.pingTime(msg)
	case *addrbook.CandidatesReply:
		c.candidates(ctx, msg)
	case *resolved:
		c.resolved(ctx, msg)
	case *Ban:
		c.ban(ctx, msg)
	case *Unban:
		if c.bans.remove(msg.Subnet) {
			c.bansDirty = true
			c.saveBans(c.now())
		}
	case *ClearBans:
		c.bans = banList{}
		c.bansDirty = true
		c.saveBans(c.now())
	case *ListBans:
		ctx.Send(msg.ReplyTo, &Bans{List: c.bans.snapshot(c.now())})
	case *GetPeers:
		ctx.Send(msg.ReplyTo, c.peerList())
	case *GetListeners:
		ctx.Send(msg.ReplyTo, c.listenerList())
	case *AddNode:
		c.addNode(ctx, msg)
	case *DisconnectNode:
		c.disconnectNode(ctx, msg)
	case *SetLocalAddr:
		c.setLocalAddr(msg)
	case *RemoveLocalAddr:
		c.removeLocalAddr(msg)
	case *GetLocalAddrs:
		ctx.Send(msg.ReplyTo, c.localAddrList())
	case *GetAddedNodes:
		ctx.Send(msg.ReplyTo, c.addedNodes())
	case *inspect.Describe:
		c.describe(ctx, msg)
	default:
		c.log.Debug("unexpected message", zap.String("type", fmt.Sprintf("%T", msg)))
	}
}

func (c *connMgr) started(ctx actor.Context) {
	c.loadBans(c.now())
	c.saveBans(c.now())
	if c.cfg.Listen {
		binds := c.cfg.Bind
		if len(binds) == 0 {
			binds = []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), c.cfg.Network.DefaultPort)}
		}
		for _, b := range binds {
			c.listeners = append(c.listeners, &listener{requested: b})
			ctx.Send(c.cfg.IO, &transport.Listen{Addr: b, Owner: ctx.Self()})
		}
	}
	now := c.now()
	for _, name := range c.cfg.Connect {
		c.addManual(name, false, now)
	}
	for _, name := range c.cfg.AddNode {
		c.addManual(name, false, now)
	}
	for _, name := range c.cfg.SeedNode {
		c.addManual(name, true, now).addrFetch = true
	}
	c.onTick(ctx)
}

func (c *connMgr) stopping(ctx actor.Context) {
	if c.stopped {
		return
	}
	c.stopped = true
	c.cancel()
	c.saveBans(c.now())
	if c.tick != nil {
		c.tick.Stop()
	}
	// The peers stop with us; their connections must not outlive them.
	for _, p := range c.peers {
		ctx.Send(c.cfg.IO, &transport.Close{Conn: p.conn, Reason: ReasonShutdown})
	}
}

// onTick runs the periodic work: expired bans, manual nodes due, free
// outbound slots.
func (c *connMgr) onTick(ctx actor.Context) {
	if c.stopped {
		return
	}
	now := c.now()
	if c.bans.sweep(now) {
		c.bansDirty = true
	}
	c.saveBans(now)
	c.forgetClosing(now)
	for _, m := range c.manual {
		if m.state == manualIdle && !now.Before(m.next) {
			c.tryManual(ctx, m, now)
		}
	}
	c.fillOutbound(ctx)
	c.maybeFeeler(ctx, now)
	root, self := ctx.ActorSystem().Root, ctx.Self()
	c.tick = time.AfterFunc(tickInterval, func() { root.Send(self, &tick{}) })
}

// forgetClosing drops peers whose connection io never reported closed.
func (c *connMgr) forgetClosing(now time.Time) {
	for id, p := range c.closing {
		if now.Sub(p.gone) >= closingWait {
			c.logDisconnected(p.peerConn, ReasonPeerStopped)
			delete(c.closing, id)
		}
	}
}

// outboundFull counts automatic outbound connections, open or being dialled:
// the table's count (kept by spawn and forget, so that the heartbeat costs
// nothing per inbound peer) and the dials, which are few.
func (c *connMgr) outboundFull() int {
	n := c.fullRelayPeers
	for _, d := range c.dials {
		if d.connType == ConnOutboundFullRelay {
			n++
		}
	}
	return n
}

// fillOutbound asks the address book for candidates for the free automatic
// outbound slots (none in -connect mode).
func (c *connMgr) fillOutbound(ctx actor.Context) {
	if len(c.cfg.Connect) > 0 || c.cfg.AddrBook == nil {
		return
	}
	now := c.now()
	if c.asked && now.Sub(c.askedAt) < candidatesWait {
		return
	}
	free := c.cfg.MaxOutbound - c.outboundFull()
	if free <= 0 {
		return
	}
	c.asked, c.askedAt = true, now
	ctx.Send(c.cfg.AddrBook, &addrbook.Candidates{Max: free, Exclude: c.inUse(), ReplyTo: ctx.Self()})
}

// inUse lists the addresses of our outbound connections, the ones being
// dialled and those kept by manual nodes. Inbound peers are left out, as in
// Core's ThreadOpenConnections: their addresses are ephemeral ports that the
// book does not offer, and listing thousands of them on every request was
// most of an idle node's CPU; busy() still refuses an exact match.
func (c *connMgr) inUse() []netip.AddrPort {
	out := make([]netip.AddrPort, 0, c.cfg.MaxOutbound+len(c.dials)+len(c.manual))
	for _, p := range c.peers {
		if !p.inbound {
			out = append(out, p.remote)
		}
	}
	for _, d := range c.dials {
		out = append(out, d.addr)
	}
	for _, m := range c.manual {
		if m.addr.IsValid() {
			out = append(out, m.addr)
		}
	}
	// Never dial ourselves (Core's IsLocal check): our listeners and the
	// addresses we announce. A wildcard listener's address is unknown here;
	// the version nonce check catches a dial to it.
	for _, l := range c.listeners {
		if l.done && l.err == nil && l.addr.IsValid() && !l.addr.Addr().IsUnspecified() {
			out = append(out, l.addr)
		}
	}
	for _, l := range c.localAddrList().List {
		out = append(out, l.Addr)
	}
	return out
}

// busy reports whether addr is connected or being dialled.
func (c *connMgr) busy(addr netip.AddrPort) bool {
	for _, p := range c.peers {
		if p.remote == addr {
			return true
		}
	}
	for _, d := range c.dials {
		if d.addr == addr {
			return true
		}
	}
	return false
}

// netGroup is the group Core keeps outbound connections apart by (/16 for
// IPv4, /32 for IPv6); local addresses share none, so local networks work.
func netGroup(a netip.Addr) (netip.Prefix, bool) {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() {
		return netip.Prefix{}, false
	}
	bits := 16
	if a.Is6() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p, true
}

// maybeFeeler asks the address book for a feeler's address when one is
// due (see Config.FeelerInterval): the automatic outbound slots are full,
// no feeler is open or being dialled, and the exponential timer (Core's
// rand_exp_duration of FEELER_INTERVAL) has run out.
func (c *connMgr) maybeFeeler(ctx actor.Context, now time.Time) {
	if feelerSlots(c.cfg) == 0 {
		return // feelers are off
	}
	if c.nextFeeler.IsZero() {
		c.nextFeeler = now.Add(c.expInterval())
		return
	}
	if now.Before(c.nextFeeler) || c.outboundFull() < c.cfg.MaxOutbound || c.feelerBusy() {
		return
	}
	if c.askedFeeler && now.Sub(c.askedFeelerAt) < candidatesWait {
		return
	}
	c.nextFeeler = now.Add(c.expInterval())
	c.askedFeeler, c.askedFeelerAt = true, now
	ctx.Send(c.cfg.AddrBook, &addrbook.Candidates{Max: 1, Feeler: true, Exclude: c.inUse(), ReplyTo: ctx.Self()})
}

// expInterval draws the time to the next feeler: exponential with mean
// FeelerInterval, like Core's rand_exp_duration, so that feelers come at
// unpredictable times.
func (c *connMgr) expInterval() time.Duration {
	return time.Duration(c.rng.ExpFloat64() * float64(c.cfg.FeelerInterval))
}

// feelerBusy reports whether a feeler is open or being dialled (Core's
// MAX_FEELER_CONNECTIONS is 1).
func (c *connMgr) feelerBusy() bool {
	if c.feelerPeers > 0 {
		return true
	}
	for _, d := range c.dials {
		if d.connType == ConnFeeler {
			return true
		}
	}
	return false
}

// feeler dials the address the book chose for a feeler, if any and still
// free.
func (c *connMgr) feeler(ctx actor.Context, msg *addrbook.CandidatesReply) {
	c.askedFeeler = false
	if c.stopped || c.feelerBusy() {
		return
	}
	now := c.now()
	for _, addr := range msg.Addrs {
		addr = unmapped(addr)
		if c.busy(addr) || c.bans.banned(addr.Addr(), now) {
			continue
		}
		c.dial(ctx, addr, ConnFeeler, "")
		return
	}
}

func (c *connMgr) candidates(ctx actor.Context, msg *addrbook.CandidatesReply) {
	if msg.Feeler {
		c.feeler(ctx, msg)
		return
	}
	c.asked = false
	if c.stopped {
		return
	}
	free := c.cfg.MaxOutbound - c.outboundFull()
	groups := make(map[netip.Prefix]bool)
	for _, p := range c.peers {
		if !p.inbound {
			if g, ok := netGroup(p.remote.Addr()); ok {
				groups[g] = true
			}
		}
	}
	for _, d := range c.dials {
		if g, ok := netGroup(d.addr.Addr()); ok {
			groups[g] = true
		}
	}
	now := c.now()
	for _, addr := range msg.Addrs {
		if free <= 0 {
			break
		}
		addr = unmapped(addr)
		if c.busy(addr) || c.bans.banned(addr.Addr(), now) {
			continue
		}
		g, grouped := netGroup(addr.Addr())
		if grouped && groups[g] {
			continue // one outbound per group, as Core does
		}
		if grouped {
			groups[g] = true
		}
		c.dial(ctx, addr, ConnOutboundFullRelay, "")
		free--
	}
}

// dial asks io to connect to addr.
func (c *connMgr) dial(ctx actor.Context, addr netip.AddrPort, connType, manual string) {
	tag := c.nextTag
	c.nextTag++
	c.dials[tag] = &pendingDial{addr: addr, connType: connType, manual: manual}
	log := c.log.Info
	if connType == ConnFeeler {
		log = c.log.Debug // every two minutes: Core logs these at debug too
	}
	log("connecting", zap.Stringer("addr", addr), zap.String("conn_type", connType))
	ctx.Send(c.cfg.IO, &transport.Dial{Tag: tag, Addr: addr, Timeout: c.cfg.DialTimeout, Owner: ctx.Self()})
}

func (c *connMgr) dialed(ctx actor.Context, msg *transport.Dialed) {
	d, ok := c.dials[msg.Tag]
	if !ok {
		if msg.Err == nil {
			ctx.Send(c.cfg.IO, &transport.Close{Conn: msg.Conn, Reason: ReasonUnexpected})
		}
		c.log.Debug("dial answer for no dial", zap.Uint64("tag", msg.Tag), zap.Stringer("addr", msg.Addr))
		return
	}
	delete(c.dials, msg.Tag)
	now := c.now()
	if msg.Err != nil {
		logf := c.log.Debug
		if d.connType == ConnManual {
			logf = c.log.Info
		}
		logf("connect failed", zap.Stringer("addr", d.addr), zap.String("conn_type", d.connType), zap.Error(msg.Err))
		c.attemptOutcome(ctx, d.addr, d.connType, false)
		c.manualFailed(d.manual, now)
		return
	}
	if c.stopped {
		ctx.Send(c.cfg.IO, &transport.Close{Conn: msg.Conn, Reason: ReasonShutdown})
		return
	}
	if c.bans.banned(d.addr.Addr(), now) {
		c.log.Info("closing connection to banned address", zap.Stringer("addr", d.addr))
		ctx.Send(c.cfg.IO, &transport.Close{Conn: msg.Conn, Reason: ReasonBanned})
		c.manualFailed(d.manual, now)
		return
	}
	p := c.spawn(ctx, msg.Conn, d.addr, msg.Local, false, d.connType, d.manual)
	if p == nil {
		c.manualFailed(d.manual, now)
		return
	}
	c.attemptOutcome(ctx, d.addr, d.connType, true)
	if m := c.manual[d.manual]; m != nil {
		m.state = manualConnected
	}
	c.log.Info("connected", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote),
		zap.String("conn_type", p.connType))
}

func (c *connMgr) accepted(ctx actor.Context, msg *transport.Accepted) {
	remote := unmapped(msg.Remote)
	if refuse := c.admitInbound(ctx, remote); refuse != nil {
		c.log.Debug("refused inbound connection", zap.Stringer("addr", remote), zap.Error(refuse))
		ctx.Send(c.cfg.IO, &transport.Close{Conn: msg.Conn, Reason: refuse})
		return
	}
	p := c.spawn(ctx, msg.Conn, remote, msg.Local, true, ConnInbound, "")
	if p == nil {
		return
	}
	c.log.Debug("accepted", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote),
		zap.Stringer("local", p.local))
}

// spawn starts the peer actor for an open connection and attaches it.
func (c *connMgr) spawn(ctx actor.Context, conn transport.ConnID, remote, local netip.AddrPort, inbound bool, connType, manual string) *peerConn {
	id := c.nextID
	c.nextID++
	cfg := c.cfg.PeerTemplate
	cfg.ID, cfg.Conn, cfg.Remote, cfg.Local, cfg.Inbound = id, conn, remote, local, inbound
	cfg.IO, cfg.Dispatcher, cfg.Nonces = c.cfg.IO, c.cfg.Dispatcher, c.nonces
	pid, err := ctx.SpawnNamed(c.cfg.PeerProps(cfg), peerPrefix+strconv.FormatUint(id, 10))
	if err != nil {
		c.log.Error("cannot spawn peer", zap.Uint64("peer", id), zap.Stringer("addr", remote), zap.Error(err))
		ctx.Send(c.cfg.IO, &transport.Close{Conn: conn, Reason: ReasonSpawnFailed})
		return nil
	}
	p := &peerConn{
		id: id, pid: pid, conn: conn, remote: remote, local: local, inbound: inbound,
		connType: connType, since: c.now(), manual: manual,
	}
	c.adm.admitted(p)
	switch p.connType {
	case ConnOutboundFullRelay:
		c.fullRelayPeers++
	case ConnFeeler:
		c.feelerPeers++
	}
	c.peers[id] = p
	c.byConn[conn] = p
	ctx.Send(c.cfg.IO, &transport.Attach{Conn: conn, Peer: pid})
	return p
}

func (c *connMgr) handshaken(ctx actor.Context, msg *peer.Handshaken) {
	p := c.peers[msg.ID]
	if p == nil || (msg.PID != nil && !msg.PID.Equal(p.pid)) {
		return
	}
	c.adm.handshook(p)
	p.handshaken = true
	if m := c.manual[p.manual]; m != nil {
		m.retry = 0 // a good connection: the next failure starts over
	}
	c.log.Debug("handshake done", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote),
		zap.Int32("version", msg.Version.ProtocolVersion), zap.String("user_agent", msg.Version.UserAgent))
	if c.cfg.AddrBook != nil {
		ctx.Send(c.cfg.AddrBook, &addrbook.Connected{
			ID: p.id, Peer: p.pid, Addr: p.remote, Inbound: p.inbound,
			Services: msg.Version.Services, WantsAddrV2: wantsAddrV2(msg),
			Local: c.advertisable(p, msg), AddrFetch: p.connType == ConnAddrFetch,
			Feeler: p.connType == ConnFeeler,
		})
	}
	if p.connType == ConnFeeler {
		// The address answered: that was all a feeler was for.
		c.log.Debug("feeler connection completed; disconnecting", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote))
		ctx.Send(c.cfg.IO, &transport.Close{Conn: p.conn, Reason: ReasonFeelerDone})
	}
}

// closed handles io's report that a connection has ended. The peer stops
// itself on the same report; its Terminated may come before or after this.
func (c *connMgr) closed(ctx actor.Context, msg *transport.Closed) {
	if p := c.byConn[msg.Conn]; p != nil {
		c.forget(ctx, p)
		c.logDisconnected(p, msg.Reason)
		return
	}
	if p, ok := c.closing[msg.Conn]; ok {
		delete(c.closing, msg.Conn)
		c.logDisconnected(p.peerConn, msg.Reason)
		return
	}
	c.log.Debug("closed connection without peer", zap.Uint64("conn", uint64(msg.Conn)), zap.NamedError("reason", msg.Reason))
}

// terminated handles a peer actor that has stopped. If its connection is
// still open (io has not said Closed), connmgr closes it and waits for io's
// Closed to log why the connection ended.
func (c *connMgr) terminated(ctx actor.Context, msg *actor.Terminated) {
	p := c.peerOf(msg.Who)
	if p == nil {
		return // io's Closed came first: already cleaned up
	}
	c.forget(ctx, p)
	if c.stopped {
		return
	}
	c.closing[p.conn] = closingPeer{peerConn: p, gone: c.now()}
	ctx.Send(c.cfg.IO, &transport.Close{Conn: p.conn, Reason: ReasonPeerStopped})
}

// peerOf finds the peer of pid in the table: its name, "peer-<id>", gives
// the id (a map from PID to peer would cost every idle peer a few dozen
// bytes more).
func (c *connMgr) peerOf(pid *actor.PID) *peerConn {
	_, name, _ := strings.Cut(pid.Id[strings.LastIndexByte(pid.Id, '/')+1:], peerPrefix)
	id, err := strconv.ParseUint(name, 10, 64)
	if err != nil {
		return nil
	}
	if p := c.peers[id]; p != nil && p.pid.Equal(pid) {
		return p
	}
	return nil
}

// forget removes p from the table, frees its slot and reports the outcome
// to the address book and its manual node. It runs once per peer: the
// first of Closed and Terminated calls it.
func (c *connMgr) forget(ctx actor.Context, p *peerConn) {
	delete(c.peers, p.id)
	switch p.connType {
	case ConnOutboundFullRelay:
		c.fullRelayPeers--
	case ConnFeeler:
		c.feelerPeers--
	}
	delete(c.byConn, p.conn)
	c.adm.left(p)
	if c.cfg.AddrBook != nil {
		if p.handshaken {
			ctx.Send(c.cfg.AddrBook, &addrbook.Disconnected{ID: p.id})
		}
		if !p.inbound && !p.handshaken && countsAttempt(p.connType) {
			ctx.Send(c.cfg.AddrBook, &addrbook.Attempt{Addr: p.remote, Success: false})
		}
	}
	c.manualFailed(p.manual, c.now())
}

// logDisconnected logs the end of p's connection like Core: at Info for an
// outbound connection, at Debug for an inbound one (an attacker can open
// and close those at a high rate).
func (c *connMgr) logDisconnected(p *peerConn, reason error) {
	log := c.log.Info
	if p.inbound {
		log = c.log.Debug
	}
	log("disconnected", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote),
		zap.Bool("inbound", p.inbound), zap.String("conn_type", p.connType),
		zap.String("reason", reasonText(reason)))
}

func reasonText(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

// attemptOutcome tells the address book how a dial to an automatic
// outbound address went.
func (c *connMgr) attemptOutcome(ctx actor.Context, addr netip.AddrPort, connType string, ok bool) {
	if c.cfg.AddrBook == nil || !countsAttempt(connType) {
		return
	}
	ctx.Send(c.cfg.AddrBook, &addrbook.Attempt{Addr: addr, Success: ok})
}

// countsAttempt says whether the address book hears of attempts of
// connType: the automatic ones, whose addresses it chose.
func countsAttempt(connType string) bool {
	return connType == ConnOutboundFullRelay || connType == ConnFeeler
}
