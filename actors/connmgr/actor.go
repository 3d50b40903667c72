package connmgr

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Config is what the connection manager is built with.
type Config struct {
	// Network gives the default port.
	Network protocol.Params
	// V2 says we announce NODE_P2P_V2 (-v2transport): outbound connections
	// start with BIP324's v2 transport where Core's do, and fall back to
	// v1 once on the same address when io says so (Closed.ReconnectV1).
	V2 bool
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
	// DEFAULT_MAX_PEER_CONNECTIONS); negative means no inbound slot (Core's
	// -maxconnections=0, with MaxOutbound 0).
	MaxConnections int
	// MaxHandshakingPerGroup bounds the inbound connections from one
	// source group (IPv4 /24, IPv6 /64) still in their handshake; more are
	// refused at accept. 0 means DefaultMaxHandshakingPerGroup (8, as btcd);
	// negative means no limit.
	MaxHandshakingPerGroup int
	// MaxUndecided bounds the accepted connections io may hold before
	// connmgr has admitted or refused them: io stops accepting while this
	// many are undecided, or while it holds the inbound slots plus this many
	// inbound connections (transport.AcceptLimits), so a flood of
	// connections waits in the kernel's backlog, not in descriptors. 0
	// means DefaultMaxUndecided; negative leaves io uncapped.
	MaxUndecided int
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
	// MaxBlockRelay is the number of automatic block-relay-only outbound
	// slots, filled after the full-relay ones (Core's
	// MAX_BLOCK_RELAY_ONLY_CONNECTIONS, DefaultMaxBlockRelay). 0 means
	// none; there are none without full-relay slots, an address book, or
	// with Connect.
	MaxBlockRelay int
	// AnchorsFile keeps the block-relay-only peers across a clean stop, in
	// the format of Core's anchors.dat: written at stop, read and removed
	// at start, its addresses dialled first as block-relay-only. "" keeps
	// none.
	AnchorsFile string
	// IO is the io actor: connmgr sends it Listen, Dial, Attach and Close.
	IO *actor.PID
	// AddrBook gives outbound candidates and hears of every outcome. Nil
	// turns the automatic outbound slots off.
	AddrBook *actor.PID
	// Dispatcher is handed to every peer.
	Dispatcher *actor.PID
	// PeerWatchers each receive *PeerReady when a peer finishes its
	// handshake (the chain actor starts header sync with it), and
	// *PeerGone when any peer actor has stopped.
	PeerWatchers []*actor.PID
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
	// Rand draws the feelers' times; nil means a generator seeded at
	// random.
	Rand *rand.Rand
}

// Defaults of Config.
const (
	// DefaultMaxOutbound is Core's MAX_OUTBOUND_FULL_RELAY_CONNECTIONS.
	DefaultMaxOutbound = machine.DefaultMaxOutbound
	// DefaultMaxConnections is Core's DEFAULT_MAX_PEER_CONNECTIONS.
	DefaultMaxConnections = machine.DefaultMaxConnections
	// DefaultDialTimeout is Core's DEFAULT_CONNECT_TIMEOUT.
	DefaultDialTimeout = 5 * time.Second
	// DefaultFeelerInterval is Core's FEELER_INTERVAL.
	DefaultFeelerInterval = machine.DefaultFeelerInterval
	// DefaultMaxHandshakingPerGroup bounds the inbound connections of one
	// source group (IPv4 /24, IPv6 /64) that have not finished their
	// handshake, as btcd 0.26 does (8); see machine.
	DefaultMaxHandshakingPerGroup = machine.DefaultMaxHandshakingPerGroup
	// DefaultMaxBlockRelay is Core's MAX_BLOCK_RELAY_ONLY_CONNECTIONS.
	DefaultMaxBlockRelay = machine.DefaultMaxBlockRelay
	// DefaultMaxUndecided is machine.DefaultMaxUndecided.
	DefaultMaxUndecided = machine.DefaultMaxUndecided
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
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
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

// connMgr is the actor: a shell around the machine, which makes every
// decision. It turns messages into the machine's inputs and the machine's
// actions into messages. Only its Receive goroutine touches these fields.
type connMgr struct {
	cfg    Config
	log    *zap.Logger
	now    func() time.Time
	nonces *peer.Nonces
	// m makes every decision; its peer table keeps each peer's PID as the
	// peer's handle.
	m *machine.Machine

	tick    *time.Timer
	cancel  context.CancelFunc // ends the lookups of manual nodes
	lookups context.Context
	// sessions holds the BIP324 session id of each connection io reported
	// encrypted (transport.Encrypted), for getpeerinfo.
	sessions map[transport.ConnID][32]byte
}

// peerPrefix starts the name of every peer actor: "peer-<id>", like
// Core's node id.
const peerPrefix = "peer-"

// tick is the manager's heartbeat (timer).
type tick struct{}

// machineConfig is the machine's part of cfg.
func machineConfig(cfg Config) machine.Config {
	return machine.Config{
		DefaultPort: cfg.Network.DefaultPort, Listen: cfg.Listen, Bind: cfg.Bind,
		Connect: cfg.Connect, AddNode: cfg.AddNode, SeedNode: cfg.SeedNode,
		MaxOutbound: cfg.MaxOutbound, MaxConnections: cfg.MaxConnections, MaxBlockRelay: cfg.MaxBlockRelay,
		PersistAnchors:         cfg.AnchorsFile != "",
		MaxHandshakingPerGroup: cfg.MaxHandshakingPerGroup, FeelerInterval: cfg.FeelerInterval,
		MaxUndecided: cfg.MaxUndecided,
		AddrBook:     cfg.AddrBook != nil, PersistBans: cfg.BanFile != "", Rand: cfg.Rand,
		V2: cfg.V2,
	}
}

func newConnMgr(cfg Config) *connMgr {
	ctx, cancel := context.WithCancel(context.Background())
	return &connMgr{
		cfg:     cfg,
		log:     cfg.Logger,
		now:     cfg.Clock,
		nonces:  peer.NewNonces(),
		m:       machine.New(machineConfig(cfg)),
		lookups: ctx,
		cancel:  cancel,
	}
}

// Receive handles one message: each becomes an input of the machine.
func (c *connMgr) Receive(ctx actor.Context) {
	now := c.now()
	var out []machine.Action
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.loadBans(now)
		c.loadAnchors()
		out = c.m.Start(now, out)
	case *actor.Stopping, *actor.Restarting:
		out = c.stopping(now)
	case *actor.Stopped:
	case *tick:
		out = c.m.Tick(now, out)
	case *transport.Listening:
		out = c.m.Listening(now, msg.Requested, msg.Addr, msg.Err, out)
	case *transport.Accepted:
		out = c.m.Accepted(now, machine.ConnID(msg.Conn), msg.Remote, msg.Local, out)
	case *transport.Dialed:
		out = c.m.Dialed(now, msg.Tag, machine.ConnID(msg.Conn), msg.Local, msg.Err, out)
	case *transport.Closed:
		delete(c.sessions, msg.Conn)
		if msg.ReconnectV1 {
			out = c.m.ClosedRetryV1(now, machine.ConnID(msg.Conn), msg.Reason, out)
		} else {
			out = c.m.Closed(now, machine.ConnID(msg.Conn), msg.Reason, out)
		}
	case *transport.Encrypted:
		if c.sessions == nil {
			c.sessions = make(map[transport.ConnID][32]byte)
		}
		c.sessions[msg.Conn] = msg.SessionID
	case *actor.Terminated:
		out = c.terminated(ctx, now, msg)
	case *peer.Handshaken:
		out = c.handshaken(ctx, now, msg)
	case *BlockAnnounced:
		c.m.BlockAnnounced(msg.ID, msg.At)
	case *ChainProtected:
		c.m.ChainProtected(msg.ID)
	case *TryNewOutbound:
		out = c.m.TryNewOutbound(msg.Stale, out)
	case *StartExtraBlockRelay:
		out = c.m.StartExtraBlockRelay(out)
	case *peer.PingTime:
		c.m.PingTime(msg.ID, msg.MinPing)
	case *peer.Misbehaved:
		out = c.misbehaved(now, msg)
	case *addrbook.CandidatesReply:
		out = c.m.CandidatesWithServices(now, msg.Addrs, msg.Services, msg.Feeler, out)
	case *resolved:
		out = c.m.Resolved(now, msg.key, msg.addr, msg.err, out)
	case *Ban:
		out = c.m.Ban(now, msg.Subnet, msg.Until, out)
	case *Misbehaved:
		out = c.m.Misbehaved(now, msg.ID, out)
	case *Unban:
		out = c.m.Unban(now, msg.Subnet, out)
	case *ClearBans:
		out = c.m.ClearBans(now, out)
	case *ListBans:
		ctx.Send(msg.ReplyTo, &Bans{List: c.m.Bans(now)})
	case *GetPeers:
		ctx.Send(msg.ReplyTo, c.peerList())
	case *GetListeners:
		l := c.m.Listeners()
		ctx.Send(msg.ReplyTo, &l)
	case *AddNode:
		var err error
		out, err = c.m.AddNodeTransport(now, msg.Addr, msg.Command, !msg.V1, out)
		reply(ctx, msg.ReplyTo, &AddNodeReply{Err: err})
	case *DisconnectNode:
		var err error
		out, err = c.m.DisconnectNode(now, msg.ID, msg.Addr, out)
		reply(ctx, msg.ReplyTo, &DisconnectNodeReply{Err: err})
	case *SetLocalAddr:
		out = c.m.SetLocalAddr(msg.Addr, msg.Source, out)
	case *RemoveLocalAddr:
		out = c.m.RemoveLocalAddr(msg.Addr, out)
	case *GetLocalAddrs:
		ctx.Send(msg.ReplyTo, &LocalAddrs{List: c.m.LocalAddrs()})
	case *GetAddedNodes:
		ctx.Send(msg.ReplyTo, &AddedNodes{List: c.m.AddedNodes()})
	case *inspect.Describe:
		c.describe(ctx, msg)
	default:
		c.log.Debug("unexpected message", zap.String("type", fmt.Sprintf("%T", msg)))
	}
	c.apply(ctx, now, out)
}

func reply(ctx actor.Context, to *actor.PID, msg any) {
	if to != nil {
		ctx.Send(to, msg)
	}
}

// apply carries out the machine's actions, in order.
func (c *connMgr) apply(ctx actor.Context, now time.Time, out []machine.Action) {
	for i := 0; i < len(out); i++ {
		a := &out[i]
		switch a.Kind {
		case machine.LimitAccepts:
			ctx.Send(c.cfg.IO, &transport.AcceptLimits{MaxUndecided: a.MaxUndecided, MaxInbound: a.MaxInbound})
		case machine.Listen:
			ctx.Send(c.cfg.IO, &transport.Listen{Addr: a.Addr, Owner: ctx.Self()})
		case machine.ListenFailed:
			if parent := ctx.Parent(); parent != nil {
				ctx.Send(parent, &ListenFailed{Addr: a.Addr, Err: a.Err})
			}
		case machine.Dial:
			ctx.Send(c.cfg.IO, &transport.Dial{Tag: a.Tag, Addr: a.Addr, Timeout: c.cfg.DialTimeout, Owner: ctx.Self(), V2: a.V2})
		case machine.Resolve:
			c.resolve(ctx, a.Key, a.Host, a.Port)
		case machine.Spawn:
			// Spawned's actions run after the rest of this batch.
			var handle any
			if pid := c.spawn(ctx, a); pid != nil {
				handle = pid
			}
			out = c.m.Spawned(now, a.ID, handle, out)
		case machine.Close:
			ctx.Send(c.cfg.IO, &transport.Close{Conn: transport.ConnID(a.Conn), Reason: a.Reason})
		case machine.AskCandidates:
			ctx.Send(c.cfg.AddrBook, &addrbook.Candidates{Max: a.Max, Feeler: a.Feeler, Exclude: a.Exclude, ReplyTo: ctx.Self()})
		case machine.ReportAttempt:
			ctx.Send(c.cfg.AddrBook, &addrbook.Attempt{Addr: a.Addr, Success: a.Success})
		case machine.ReportConnected:
			ctx.Send(c.cfg.AddrBook, &addrbook.Connected{
				ID: a.ID, Peer: c.pid(a.ID), Addr: a.Addr, Inbound: a.Inbound, Services: a.Services,
				WantsAddrV2: a.WantsAddrV2, Local: a.Local, LocalSocket: a.Socket, AddrFetch: a.ConnType == ConnAddrFetch,
				Feeler: a.ConnType == ConnFeeler, BlockRelayOnly: a.ConnType == ConnBlockRelayOnly,
			})
		case machine.ReportDisconnected:
			ctx.Send(c.cfg.AddrBook, &addrbook.Disconnected{ID: a.ID})
		case machine.SaveAnchors:
			c.saveAnchors(now, a.Anchors)
		case machine.SaveBans:
			if !c.saveBans(a.Bans) {
				c.m.BansNotSaved()
			}
		case machine.Filter:
			ctx.Send(c.cfg.AddrBook, banFilter(a))
		case machine.Wake:
			c.wakeAt(ctx, a.At.Sub(now))
		case machine.Log:
			c.logNote(a.Note)
		}
	}
}

// stopping ends the machine's work and the lookups and heartbeat around it.
func (c *connMgr) stopping(now time.Time) []machine.Action {
	if c.m.Stopped() {
		return nil
	}
	c.cancel()
	if c.tick != nil {
		c.tick.Stop()
	}
	return c.m.Stop(now, nil)
}

// wakeAt sends the heartbeat after d.
func (c *connMgr) wakeAt(ctx actor.Context, d time.Duration) {
	if c.tick != nil {
		c.tick.Stop()
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	c.tick = time.AfterFunc(d, func() { root.Send(self, &tick{}) })
}

// spawn starts the peer actor of a Spawn action and attaches it to its
// connection; nil says it could not.
func (c *connMgr) spawn(ctx actor.Context, a *machine.Action) *actor.PID {
	cfg := c.cfg.PeerTemplate
	cfg.ID, cfg.Conn, cfg.Remote, cfg.Local, cfg.Inbound = a.ID, transport.ConnID(a.Conn), a.Addr, a.Local, a.Inbound
	cfg.ExpectServices = a.ExpectServices
	cfg.NoTxRelay, cfg.BlockRelayOnly = a.NoTxRelay, a.ConnType == ConnBlockRelayOnly
	cfg.IO, cfg.Dispatcher, cfg.Nonces = c.cfg.IO, c.cfg.Dispatcher, c.nonces
	pid, err := ctx.SpawnNamed(c.cfg.PeerProps(cfg), peerPrefix+strconv.FormatUint(a.ID, 10))
	if err != nil {
		c.log.Error("cannot spawn peer", zap.Uint64("peer", a.ID), zap.Stringer("addr", a.Addr), zap.Error(err))
		return nil
	}
	ctx.Send(c.cfg.IO, &transport.Attach{Conn: cfg.Conn, Peer: pid})
	return pid
}

// pid is the actor of peer id, nil when it has none.
func (c *connMgr) pid(id uint64) *actor.PID {
	p, _ := c.m.Peer(id)
	pid, _ := p.Handle.(*actor.PID)
	return pid
}

// handshaken passes a peer's handshake to the machine, unless it comes from
// an actor that is not (or no longer) that peer.
func (c *connMgr) handshaken(ctx actor.Context, now time.Time, msg *peer.Handshaken) []machine.Action {
	pid := c.pid(msg.ID)
	if pid == nil || (msg.PID != nil && !msg.PID.Equal(pid)) {
		return nil
	}
	c.log.Debug("handshake done", zap.Uint64("peer", msg.ID), zap.Stringer("addr", msg.Remote),
		zap.Int32("version", msg.Version.ProtocolVersion), zap.String("user_agent", msg.Version.UserAgent))
	if len(c.cfg.PeerWatchers) > 0 {
		row, _ := c.m.Peer(msg.ID)
		ready := &PeerReady{ID: msg.ID, PID: pid, ConnMgr: ctx.Self(), ConnType: row.ConnType, Inbound: msg.Inbound, Version: msg.Version}
		for _, w := range c.cfg.PeerWatchers {
			ctx.Send(w, ready)
		}
	}
	return c.m.Handshaken(now, msg.ID, machine.Handshake{
		Services: msg.Version.Services, WantsAddrV2: msg.WantsAddrV2, AddrRecv: msg.Version.AddrRecv.Addr,
	}, nil)
}

// misbehaved passes a peer's report of misbehaviour to the machine, which
// decides, unless it comes from an actor that is not that peer. The peer
// may have left the table already (its termination overtakes the report):
// the machine still knows it.
func (c *connMgr) misbehaved(now time.Time, msg *peer.Misbehaved) []machine.Action {
	if pid := c.pid(msg.ID); pid != nil && msg.PID != nil && !msg.PID.Equal(pid) {
		return nil
	}
	c.log.Debug("peer misbehaved", zap.Uint64("peer", msg.ID), zap.Stringer("addr", msg.Remote),
		zap.String("reason", msg.Reason.String()))
	return c.m.Misbehaved(now, msg.ID, nil)
}

// banFilter turns a Filter action into the address book's message; the
// discouraged addresses are shared, as the machine never changes a list
// it gave out.
func banFilter(a *machine.Action) *addrbook.BanFilter {
	f := &addrbook.BanFilter{Bans: make([]addrbook.BannedSubnet, len(a.Bans)), Discouraged: a.Discouraged}
	for i, b := range a.Bans {
		f.Bans[i] = addrbook.BannedSubnet{Subnet: b.Subnet, Until: b.Until}
	}
	return f
}

// terminated handles a peer actor that has stopped: the peer watchers hear
// of it (they need not watch every peer themselves, which would cost each
// idle peer a watcher set), then the machine.
func (c *connMgr) terminated(ctx actor.Context, now time.Time, msg *actor.Terminated) []machine.Action {
	id, named := peerIDOf(msg.Who)
	if !named {
		return nil
	}
	if len(c.cfg.PeerWatchers) > 0 {
		gone := &PeerGone{ID: id, PID: msg.Who}
		for _, w := range c.cfg.PeerWatchers {
			ctx.Send(w, gone)
		}
	}
	if p := c.pid(id); p == nil || !p.Equal(msg.Who) {
		return nil // io's Closed came first: already cleaned up
	}
	return c.m.PeerStopped(now, id, nil)
}

// peerIDOf reads the peer ID from pid's name, "peer-<id>" (a map from PID
// to peer would cost every idle peer a few dozen bytes more).
func peerIDOf(pid *actor.PID) (uint64, bool) {
	_, name, _ := strings.Cut(pid.Id[strings.LastIndexByte(pid.Id, '/')+1:], peerPrefix)
	id, err := strconv.ParseUint(name, 10, 64)
	return id, err == nil
}

func (c *connMgr) peerList() *Peers {
	rows := c.m.Peers()
	out := &Peers{List: make([]PeerEntry, 0, len(rows))}
	for _, p := range rows {
		pid, _ := p.Handle.(*actor.PID)
		e := PeerEntry{
			ID: p.ID, PID: pid, Conn: transport.ConnID(p.Conn), Remote: p.Remote, Local: p.Local,
			Inbound: p.Inbound, ConnType: p.ConnType, Handshaken: p.Handshaken, Since: p.Since,
			Transport: "v1",
		}
		if id, ok := c.sessions[e.Conn]; ok {
			e.Transport, e.SessionID = "v2", hex.EncodeToString(id[:])
		} else if p.MaybeV2 && !p.Handshaken {
			e.Transport = TransportDetecting
		}
		out.List = append(out.List, e)
	}
	return out
}

func (c *connMgr) describe(ctx actor.Context, msg *inspect.Describe) {
	s := c.m.Summary(c.now())
	listening := make([]string, 0, len(s.Listening))
	for _, a := range s.Listening {
		listening = append(listening, a.String())
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self:     ctx.Self(),
		Kind:     "connmgr",
		Children: ctx.Children(),
		Summary: map[string]any{
			"outbound":          s.Outbound,
			"inbound":           s.Inbound,
			"outbound_slots":    s.OutboundSlots,
			"block_relay_only":  s.BlockRelayOnly,
			"block_relay_slots": s.BlockRelaySlots,
			"max_connections":   s.MaxConnections,
			"max_inbound":       s.MaxInbound,
			"pending_dials":     s.PendingDial,
			"bans":              s.Bans,
			"manual_nodes":      s.ManualNodes,
			"listening":         listening,
		},
	})
}

// logNote writes one of the machine's notes through zap.
func (c *connMgr) logNote(n machine.Note) {
	var level zapcore.Level
	switch n.Level {
	case machine.LevelDebug:
		level = zapcore.DebugLevel
	case machine.LevelInfo:
		level = zapcore.InfoLevel
	case machine.LevelWarn:
		level = zapcore.WarnLevel
	default:
		level = zapcore.ErrorLevel
	}
	ce := c.log.Check(level, n.Msg)
	if ce == nil {
		return
	}
	fields := make([]zap.Field, len(n.Fields))
	for i, f := range n.Fields {
		fields[i] = zap.Any(f.Key, f.Value)
	}
	ce.Write(fields...)
}
