package machine

import (
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Defaults of Config, mirroring Core's names.
const (
	// DefaultMaxOutbound is Core's MAX_OUTBOUND_FULL_RELAY_CONNECTIONS.
	DefaultMaxOutbound = 8
	// DefaultMaxConnections is Core's DEFAULT_MAX_PEER_CONNECTIONS.
	DefaultMaxConnections = 125
	// DefaultFeelerInterval is Core's FEELER_INTERVAL.
	DefaultFeelerInterval = 2 * time.Minute
	// DefaultMaxHandshakingPerGroup bounds the inbound connections of one
	// source group (IPv4 /24, IPv6 /64) that have not finished their
	// handshake: connections beyond it are closed at accept, as btcd 0.26
	// does (8), so that one host cannot fill the node with half-open
	// connections. They end after the handshake timeout anyway.
	DefaultMaxHandshakingPerGroup = 8
	// DefaultMaxUndecided is how many accepted connections io may hold
	// before the machine has decided on them (admitted or refused): io
	// accepts nothing while this many are undecided, nor while the inbound
	// connections it holds reach the inbound slots plus this many (see
	// LimitAccepts); the rest waits in the kernel's backlog. Core decides
	// on each connection in the thread that accepts it, so it accepts only
	// as fast as it decides; this leaves the machine a batch of decisions,
	// and eviction its candidates, without letting a flood of connections
	// outrun it into the process's descriptors. 256, not fewer: at 32 a
	// burst of 200 honest handshakes waited on the listener's pauses and
	// ran at half the bare server's rate (p2pload handshake -n 2000 -c
	// 200: 3,852-5,392/s against 7,663-8,805/s; 7,490-7,861/s at 256).
	DefaultMaxUndecided = 256
)

// Timing of the manager's own work.
const (
	// TickInterval is how often free outbound slots and manual nodes are
	// looked at (Core's open-connections loop waits 500 ms between tries):
	// every Tick asks to be woken this much later.
	TickInterval = 500 * time.Millisecond
	// closingWait is how long a peer that stopped before its connection
	// closed waits for io's report of the close before it is forgotten
	// anyway.
	closingWait = 30 * time.Second
	// candidatesWait is how long an unanswered candidates request holds
	// back the next one (the book may have restarted and lost it).
	candidatesWait = 5 * time.Second
)

// Connection types, as Core's getpeerinfo names them.
const (
	ConnOutboundFullRelay = "outbound-full-relay"
	ConnInbound           = "inbound"
	ConnManual            = "manual"
	// ConnAddrFetch is a -seednode connection: getaddr, answer, close.
	ConnAddrFetch = "addr-fetch"
	// ConnFeeler is a short connection that tests an address (Core's
	// FEELER): closed once the handshake is done.
	ConnFeeler = "feeler"
)

// Config is what a machine is born with. The fields mean what the
// connection manager's Config fields of the same names mean.
type Config struct {
	// DefaultPort is the network's port, for nodes and binds given without
	// one.
	DefaultPort uint16
	// Listen opens a listener on each of Bind (none: 0.0.0.0:DefaultPort).
	Listen bool
	Bind   []netip.AddrPort
	// Connect, AddNode and SeedNode are the manual nodes of the command
	// line.
	Connect, AddNode, SeedNode []string
	// MaxOutbound is the number of automatic full-relay outbound slots
	// (negative: 0).
	MaxOutbound int
	// MaxBlockRelay is the number of automatic block-relay-only outbound
	// slots (Core's MAX_BLOCK_RELAY_ONLY_CONNECTIONS, DefaultMaxBlockRelay),
	// filled after the full-relay ones (see BlockRelaySlots); 0 or less:
	// none.
	MaxBlockRelay int
	// Anchors are the block-relay-only peers of the last run (anchors.dat),
	// dialled first, as block-relay-only, at most MaxAnchors of them.
	Anchors []Anchor
	// PersistAnchors says there is an anchors file: Stop asks for the
	// block-relay-only peers to be saved (SaveAnchors) when connections
	// are automatic.
	PersistAnchors bool
	// MaxConnections bounds all connections; 0 means
	// DefaultMaxConnections, negative no inbound slot (Core's
	// -maxconnections=0, with MaxOutbound 0).
	MaxConnections int
	// MaxHandshakingPerGroup: 0 means DefaultMaxHandshakingPerGroup,
	// negative no limit.
	MaxHandshakingPerGroup int
	// FeelerInterval: 0 means DefaultFeelerInterval, negative no feelers.
	FeelerInterval time.Duration
	// MaxUndecided bounds the accepted connections io holds undecided (see
	// DefaultMaxUndecided, the value 0 means); negative leaves io
	// uncapped.
	MaxUndecided int
	// AddrBook says there is an address book: it gives candidates for the
	// automatic outbound slots and hears of outcomes. Without one there
	// are no automatic outbound connections and no feelers.
	AddrBook bool
	// V2 says we announce NODE_P2P_V2 (-v2transport): outbound
	// connections then start with BIP324's v2 transport where Core's would
	// (see useV2), and Dial actions say so.
	V2 bool
	// PersistBans says there is a ban file: the machine asks for the list
	// to be saved (SaveBans) whenever it changed.
	PersistBans bool
	// Rand draws the feelers' times. nil means a generator seeded at
	// random.
	Rand *rand.Rand
	// GroupKey is the keyed hash of a network group that eviction protects
	// by (Core's nKeyedNetGroup, SipHash with a secret key). nil means
	// hash/maphash with a random seed.
	GroupKey func(group string) uint64
}

// withDefaults fills the zero values of c.
func (c Config) withDefaults() Config {
	c.MaxOutbound = max(c.MaxOutbound, 0)
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MaxHandshakingPerGroup == 0 {
		c.MaxHandshakingPerGroup = DefaultMaxHandshakingPerGroup
	}
	if c.FeelerInterval == 0 {
		c.FeelerInterval = DefaultFeelerInterval
	}
	if c.MaxUndecided == 0 {
		c.MaxUndecided = DefaultMaxUndecided
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.GroupKey == nil {
		seed := maphash.MakeSeed()
		c.GroupKey = func(g string) uint64 { return maphash.String(seed, g) }
	}
	return c
}

// FeelerSlots is the number of connections feelers may hold under c: one
// when they run (they are on, there are automatic outbound slots and an
// address book, and no -connect). Like Core, they are kept out of the
// inbound slots, so that MaxConnections bounds every connection.
func (c Config) FeelerSlots() int {
	if c.FeelerInterval < 0 || c.MaxOutbound <= 0 || !c.AddrBook || len(c.Connect) > 0 {
		return 0
	}
	return 1
}

// MaxInbound is the number of inbound slots under c (after defaults).
func (c Config) MaxInbound() int {
	c = c.withDefaults()
	return max(c.MaxConnections-c.MaxOutbound-c.BlockRelaySlots()-c.FeelerSlots(), 0)
}

// Machine is the connection manager's decisions, with no I/O: every input
// carries the current time and appends what to do to a caller's slice. It
// is not safe for concurrent use; its owner drives it from one goroutine.
type Machine struct {
	cfg        Config
	maxInbound int
	adm        admission

	nextID  uint64 // next peer ID (Core's NodeId counter)
	nextTag uint64 // next Dial tag
	nextKey uint64 // next onetry key

	peers   map[uint64]*peer
	byConn  map[ConnID]*peer
	closing map[ConnID]closingPeer // peer gone, close not yet reported
	dials   map[uint64]*pendingDial
	// v1Only holds the addresses whose v2 dial fell back to v1
	// (ClosedRetryV1), with when.
	v1Only map[netip.AddrPort]time.Time
	manual map[string]*manualNode
	// fullRelayPeers, blockRelayPeers and feelerPeers count the peers of
	// connection type ConnOutboundFullRelay, ConnBlockRelayOnly and
	// ConnFeeler in peers.
	fullRelayPeers, blockRelayPeers, feelerPeers int
	// anchors are the anchors not yet dialled, the next one last.
	anchors []Anchor
	// tryNewOutbound is Core's m_try_another_outbound_peer (a stale tip);
	// extraBlockRelayOn its m_start_extra_block_relay_peers, with the time
	// the next extra block-relay-only peer is due.
	tryNewOutbound, extraBlockRelayOn bool
	nextExtraBlockRelay               time.Time
	// extraBlockRelayAsked says the candidates asked for include the extra
	// block-relay-only peer.
	extraBlockRelayAsked bool
	// nextExtraCheck is when EvictExtraOutbound next runs.
	nextExtraCheck time.Time

	bans banList
	// discouraged are the addresses whose peers misbehaved.
	discouraged discouraged
	// bansDirty says the ban list changed since it was last saved.
	bansDirty bool
	// filterDirty says the bans or the discouraged addresses changed since
	// the address book's filter was last sent (at filterAt, excluding
	// something when filterNonEmpty).
	filterDirty, filterNonEmpty bool
	filterAt                    time.Time
	// gone are the last peers that left the table (see Misbehaved).
	gone goneRing

	listeners []*listener
	// locals are our own addresses (SetLocalAddr), strongest first.
	locals []LocalAddr
	// asked is set while a candidates request is unanswered, since askedAt.
	asked   bool
	askedAt time.Time
	// nextFeeler is when the next feeler is due; askedFeeler says its
	// candidate was asked for and not yet answered (since askedFeelerAt).
	nextFeeler    time.Time
	askedFeeler   bool
	askedFeelerAt time.Time

	started, stopped bool
}

// peer is one row of the peer table.
type peer struct {
	id         uint64
	conn       ConnID
	remote     netip.AddrPort
	local      netip.AddrPort
	inbound    bool
	connType   string
	handshaken bool
	// handle is the owner's name for the peer it started (Spawned): an
	// actor's PID, opaque here; nil until then.
	handle any
	since  time.Time
	// manual is the key of the manual node it serves ("" for none).
	manual string
	// evicted says it was chosen for eviction and no longer holds a slot;
	// minPing is its smallest ping time, 0 if none.
	evicted bool
	minPing time.Duration
	// preferEvict: an inbound peer whose address was discouraged when it
	// connected; eviction takes such peers first.
	preferEvict bool
	// v2: dialled with BIP324's v2 transport first, or accepted while we
	// speak it: the connection may be v2 until its peer shows otherwise.
	v2 bool
	// services are those of the remote's version (after the handshake).
	services protocol.ServiceFlag
	// lastBlock is when the peer last gave us a new best header (zero:
	// never); protected says the chain protects it (see ChainProtected);
	// extra says EvictExtraOutbound chose to close it.
	lastBlock time.Time
	protected bool
	extra     bool
}

// hsGroup is the source group of an inbound peer's handshake limit.
func (p *peer) hsGroup() netip.Prefix { return handshakeGroup(p.remote.Addr()) }

// closingPeer is a peer that stopped (gone is when) while io had not yet
// reported its connection closed.
type closingPeer struct {
	*peer
	gone time.Time
}

// pendingDial is an outbound attempt io has not answered yet.
type pendingDial struct {
	addr     netip.AddrPort
	connType string
	manual   string
	v2       bool
}

// New returns a machine configured by cfg. It does nothing until Start.
func New(cfg Config) *Machine {
	cfg = cfg.withDefaults()
	return &Machine{
		cfg:        cfg,
		maxInbound: cfg.MaxInbound(),
		anchors:    slices.Clone(cfg.Anchors[:min(len(cfg.Anchors), MaxAnchors)]),
		adm:        admission{handshaking: make(map[netip.Prefix]int)},
		peers:      make(map[uint64]*peer),
		byConn:     make(map[ConnID]*peer),
		closing:    make(map[ConnID]closingPeer),
		dials:      make(map[uint64]*pendingDial),
		manual:     make(map[string]*manualNode),
	}
}

// LoadBans adds the bans read from the ban file, before Start. Those that
// have ended are dropped; rewrite says the file held entries that were
// skipped: either way the list is saved again at Start, as Core does.
func (m *Machine) LoadBans(now time.Time, bans []BanEntry, rewrite bool) {
	for _, b := range bans {
		m.bans.add(b.Subnet, b.Since, b.Until)
		m.filterDirty = true
	}
	if m.bans.sweep(now) || rewrite {
		m.bansDirty = true
	}
}

// Start begins the manager's work: the listeners, the manual nodes of the
// configuration, and the first Tick.
func (m *Machine) Start(now time.Time, out []Action) []Action {
	if m.started {
		return out
	}
	m.started = true
	if m.automatic() && m.cfg.PersistAnchors {
		out = note(out, LevelInfo, "block-relay-only anchors will be tried for connections", Field{"count", len(m.anchors)})
	}
	m.nextExtraBlockRelay = now.Add(m.expDuration(ExtraBlockRelayInterval))
	out = m.saveBans(now, out)
	out = m.sendFilter(now, out, false)
	if m.cfg.Listen {
		out = m.limitAccepts(out)
		binds := m.cfg.Bind
		if len(binds) == 0 {
			binds = []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), m.cfg.DefaultPort)}
		}
		for _, b := range binds {
			m.listeners = append(m.listeners, &listener{requested: b})
			out = append(out, Action{Kind: Listen, Addr: b})
		}
	}
	for _, name := range m.cfg.Connect {
		m.addManual(name, false, now)
	}
	for _, name := range m.cfg.AddNode {
		m.addManual(name, false, now)
	}
	for _, name := range m.cfg.SeedNode {
		m.addManual(name, true, now).addrFetch = true
	}
	return m.Tick(now, out)
}

// limitAccepts gives io its caps on accepted connections, before any
// listener opens: at most MaxUndecided undecided, and at most the inbound
// slots plus MaxUndecided open, so that a new connection still reaches
// admission (and eviction) when the slots are full, and the descriptors
// inbound connections hold stay bounded whatever their rate. They depend
// on the configuration only, so they are given once.
func (m *Machine) limitAccepts(out []Action) []Action {
	if m.cfg.MaxUndecided < 0 {
		return out
	}
	return append(out, Action{Kind: LimitAccepts, MaxUndecided: m.cfg.MaxUndecided,
		MaxInbound: m.maxInbound + m.cfg.MaxUndecided})
}

// Stop ends the manager's work: the ban list is saved and every connection
// closed (the peers stop with their owner; their connections must not
// outlive them). Every later input finds the machine stopped.
func (m *Machine) Stop(now time.Time, out []Action) []Action {
	if m.stopped {
		return out
	}
	m.stopped = true
	out = m.saveBans(now, out)
	if m.cfg.PersistAnchors && m.automatic() {
		// Core dumps them at a clean stop only, before the connections go.
		out = append(out, Action{Kind: SaveAnchors, Anchors: m.Anchors()})
	}
	for _, p := range m.peers {
		out = append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonShutdown})
	}
	return out
}

// Stopped reports whether Stop was called.
func (m *Machine) Stopped() bool { return m.stopped }

// Tick runs the periodic work: expired bans, manual nodes due, free
// outbound slots, the feeler; it asks to be woken TickInterval later.
func (m *Machine) Tick(now time.Time, out []Action) []Action {
	if m.stopped {
		return out
	}
	if m.bans.sweep(now) {
		m.bansDirty, m.filterDirty = true, true
	}
	out = m.saveBans(now, out)
	out = m.sendFilter(now, out, false)
	out = m.forgetClosing(now, out)
	for _, key := range m.manualKeys() {
		if n := m.manual[key]; n != nil && n.state == manualIdle && !now.Before(n.next) {
			out = m.tryManual(now, n, out)
		}
	}
	out = m.dialAnchors(now, out)
	out = m.fillOutbound(now, out)
	out = m.maybeFeeler(now, out)
	out = m.maybeEvictExtra(now, out)
	return append(out, Action{Kind: Wake, At: now.Add(TickInterval)})
}

// forgetClosing drops peers whose connection io never reported closed.
func (m *Machine) forgetClosing(now time.Time, out []Action) []Action {
	for conn, p := range m.closing {
		if now.Sub(p.gone) >= closingWait {
			out = m.noteDisconnected(p.peer, ReasonPeerStopped, out)
			delete(m.closing, conn)
		}
	}
	return out
}

// saveBans asks for the ban list to be saved when it changed and there is
// a file.
func (m *Machine) saveBans(now time.Time, out []Action) []Action {
	if !m.cfg.PersistBans || !m.bansDirty {
		return out
	}
	m.bansDirty = false
	return append(out, Action{Kind: SaveBans, Bans: m.bans.snapshot(now)})
}

// BansNotSaved says the last SaveBans failed: the next change or Tick asks
// again.
func (m *Machine) BansNotSaved() { m.bansDirty = true }

// Dialed is io's answer to Dial tag: the connection conn (local end local)
// is open, or err says why not.
func (m *Machine) Dialed(now time.Time, tag uint64, conn ConnID, local netip.AddrPort, err error, out []Action) []Action {
	d, ok := m.dials[tag]
	if !ok {
		if err == nil {
			out = append(out, Action{Kind: Close, Conn: conn, Reason: ReasonUnexpected})
		}
		return note(out, LevelDebug, "dial answer for no dial", fTag(tag))
	}
	delete(m.dials, tag)
	if err != nil {
		level := LevelDebug
		if d.connType == ConnManual {
			level = LevelInfo
		}
		out = note(out, level, "connect failed", fAddr(d.addr), fConnType(d.connType), fErr(err))
		out = m.attemptOutcome(d.addr, d.connType, false, out)
		return m.manualFailed(d.manual, now, out)
	}
	if m.stopped {
		return append(out, Action{Kind: Close, Conn: conn, Reason: ReasonShutdown})
	}
	if m.bans.banned(d.addr.Addr(), now) {
		out = note(out, LevelInfo, "closing connection to banned address", fAddr(d.addr))
		out = append(out, Action{Kind: Close, Conn: conn, Reason: ReasonBanned})
		return m.manualFailed(d.manual, now, out)
	}
	out = m.spawn(now, conn, d.addr, local, false, d.connType, d.manual, out)
	if p := m.byConn[conn]; p != nil {
		p.v2 = d.v2
	}
	return out
}

// Accepted is io's report of an inbound connection conn from remote to
// local: it is admitted (a peer is spawned, maybe after evicting another)
// or closed.
func (m *Machine) Accepted(now time.Time, conn ConnID, remote, local netip.AddrPort, out []Action) []Action {
	remote = unmapped(remote)
	out, refuse := m.admitInbound(now, remote, out)
	if refuse != nil {
		out = note(out, LevelDebug, "refused inbound connection", fAddr(remote), fErr(refuse))
		return append(out, Action{Kind: Close, Conn: conn, Reason: refuse.(Reason)})
	}
	out = m.spawn(now, conn, remote, local, true, ConnInbound, "", out)
	if p := m.byConn[conn]; p != nil {
		p.v2 = m.cfg.V2
	}
	return out
}

// spawn enters a peer for an open connection in the table and asks for it
// to be started.
func (m *Machine) spawn(now time.Time, conn ConnID, remote, local netip.AddrPort, inbound bool, connType, manual string, out []Action) []Action {
	p := &peer{
		id: m.nextID, conn: conn, remote: remote, local: local, inbound: inbound,
		connType: connType, since: now, manual: manual,
		preferEvict: inbound && m.discouraged.has(remote.Addr()),
	}
	m.nextID++
	m.adm.admitted(p)
	switch p.connType {
	case ConnOutboundFullRelay:
		m.fullRelayPeers++
	case ConnBlockRelayOnly:
		m.blockRelayPeers++
	case ConnFeeler:
		m.feelerPeers++
	}
	m.peers[p.id] = p
	m.byConn[conn] = p
	return append(out, Action{Kind: Spawn, ID: p.id, Conn: conn, Addr: remote, Local: local,
		Inbound: inbound, ConnType: connType, ExpectServices: expectedServices(connType),
		NoTxRelay: noTxRelay(connType)})
}

// Spawned answers Spawn for peer id: handle is the owner's name for the
// peer it started (kept in the table, opaque to the machine), or nil when
// it could not start it: the peer then leaves the table and its
// connection is closed.
func (m *Machine) Spawned(now time.Time, id uint64, handle any, out []Action) []Action {
	p := m.peers[id]
	if p == nil || p.handle != nil {
		return out
	}
	if handle == nil {
		m.remove(p)
		out = append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonSpawnFailed})
		return m.manualFailed(p.manual, now, out)
	}
	p.handle = handle
	if p.inbound {
		return note(out, LevelDebug, "accepted", fPeer(p.id), fAddr(p.remote), fLocal(p.local))
	}
	out = m.attemptOutcome(p.remote, p.connType, true, out)
	if n := m.manual[p.manual]; n != nil {
		n.state = manualConnected
	}
	return note(out, LevelInfo, "connected", fPeer(p.id), fAddr(p.remote), fConnType(p.connType))
}

// Handshake is what a peer's finished handshake tells the manager.
type Handshake struct {
	// Services are the service bits of the remote's version message.
	Services protocol.ServiceFlag
	// WantsAddrV2: the remote sent sendaddrv2 (BIP155).
	WantsAddrV2 bool
	// AddrRecv is the address the remote says it sees us at (its
	// version's addr_recv); the zero value for none.
	AddrRecv netip.Addr
}

// Handshaken is peer id's report that its handshake is done: the address
// book hears of it, a manual node's backoff starts over, and a feeler,
// whose job that was, is closed. (A peer lacking the services its
// connection type needs, Spawn's ExpectServices, never gets here: its peer
// refuses its version, and the connection closes before a handshake, which
// the address book counts as a failed attempt.)
func (m *Machine) Handshaken(now time.Time, id uint64, hs Handshake, out []Action) []Action {
	p := m.peers[id]
	if p == nil {
		return out
	}
	m.adm.handshook(p)
	p.handshaken = true
	p.services = hs.Services
	if n := m.manual[p.manual]; n != nil {
		n.retry = 0 // a good connection: the next failure starts over
	}
	if m.cfg.AddrBook {
		out = append(out, Action{Kind: ReportConnected, ID: p.id, Addr: p.remote, Inbound: p.inbound,
			ConnType: p.connType, Services: hs.Services, WantsAddrV2: hs.WantsAddrV2,
			Local: m.advertisable(p, hs.AddrRecv), Socket: p.local})
	}
	if p.connType == ConnFeeler {
		out = note(out, LevelDebug, "feeler connection completed; disconnecting", fPeer(p.id), fAddr(p.remote))
		out = append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonFeelerDone})
	}
	return out
}

// PingTime records peer id's smallest ping round trip, which protects it
// from eviction.
func (m *Machine) PingTime(id uint64, minPing time.Duration) {
	if p := m.peers[id]; p != nil {
		p.minPing = minPing
	}
}

// Closed is io's report that connection conn has ended for reason. The
// peer stops on the same report; its PeerStopped may come before or after
// this: cleanup runs once, on whichever comes first.
func (m *Machine) Closed(now time.Time, conn ConnID, reason error, out []Action) []Action {
	if p := m.byConn[conn]; p != nil {
		out = m.forget(now, p, out)
		return m.noteDisconnected(p, reason, out)
	}
	if p, ok := m.closing[conn]; ok {
		delete(m.closing, conn)
		return m.noteDisconnected(p.peer, reason, out)
	}
	return note(out, LevelDebug, "closed connection without peer", fConn(conn), fNamedErr("reason", reason))
}

// PeerStopped says peer id's actor has stopped. If its connection is still
// open (io has not reported it closed), it is closed, and the machine
// waits for io's report to log why the connection ended.
func (m *Machine) PeerStopped(now time.Time, id uint64, out []Action) []Action {
	p := m.peers[id]
	if p == nil {
		return out // io's report came first: already cleaned up
	}
	out = m.forget(now, p, out)
	if m.stopped {
		return out
	}
	m.closing[p.conn] = closingPeer{peer: p, gone: now}
	return append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonPeerStopped})
}

// remove takes p out of the table and its slot counts.
func (m *Machine) remove(p *peer) {
	delete(m.peers, p.id)
	m.gone.add(gonePeer{id: p.id, remote: p.remote, connType: p.connType})
	switch p.connType {
	case ConnOutboundFullRelay:
		m.fullRelayPeers--
	case ConnBlockRelayOnly:
		m.blockRelayPeers--
	case ConnFeeler:
		m.feelerPeers--
	}
	delete(m.byConn, p.conn)
	m.adm.left(p)
}

// forget removes p from the table, frees its slot and reports the outcome
// to the address book and its manual node. It runs once per peer.
func (m *Machine) forget(now time.Time, p *peer, out []Action) []Action {
	m.remove(p)
	if m.cfg.AddrBook {
		if p.handshaken {
			out = append(out, Action{Kind: ReportDisconnected, ID: p.id})
		}
		if !p.inbound && !p.handshaken && countsAttempt(p.connType) {
			out = append(out, Action{Kind: ReportAttempt, Addr: p.remote, Success: false})
		}
	}
	return m.manualFailed(p.manual, now, out)
}

// noteDisconnected logs the end of p's connection like Core: at Info for an
// outbound connection, at Debug for an inbound one (an attacker can open
// and close those at a high rate).
func (m *Machine) noteDisconnected(p *peer, reason error, out []Action) []Action {
	level := LevelInfo
	if p.inbound {
		level = LevelDebug
	}
	return note(out, level, "disconnected", fPeer(p.id), fAddr(p.remote), fInbound(p.inbound),
		fConnType(p.connType), fReason(reason))
}

// attemptOutcome tells the address book how a dial to an automatic
// outbound address went.
func (m *Machine) attemptOutcome(addr netip.AddrPort, connType string, ok bool, out []Action) []Action {
	if !m.cfg.AddrBook || !countsAttempt(connType) {
		return out
	}
	return append(out, Action{Kind: ReportAttempt, Addr: addr, Success: ok})
}

// countsAttempt says whether the address book hears of attempts of
// connType: the automatic ones, whose addresses it chose.
func countsAttempt(connType string) bool {
	return connType == ConnOutboundFullRelay || connType == ConnBlockRelayOnly || connType == ConnFeeler
}

// noTxRelay says our version to a peer of connType says relay=false: Core's
// RejectIncomingTxs holds for block-relay-only and feeler connections.
func noTxRelay(connType string) bool {
	return connType == ConnBlockRelayOnly || connType == ConnFeeler
}

// PeerInfo is one row of the peer table.
type PeerInfo struct {
	ID         uint64
	Conn       ConnID
	Remote     netip.AddrPort
	Local      netip.AddrPort
	Inbound    bool
	ConnType   string
	Handshaken bool
	Since      time.Time
	// MinPing is the smallest ping round trip reported (0: none).
	MinPing time.Duration
	// LastBlock is when the peer last gave us a new best header (zero:
	// never, or not told).
	LastBlock time.Time
	// Handle is what the owner gave Spawned.
	Handle any
	// MaybeV2: the connection was dialled with BIP324's v2 transport, or
	// accepted while we speak it; until a v2 handshake completes or the
	// peer's first message shows v1, Core calls its transport
	// "detecting".
	MaybeV2 bool
}

// Peers lists the peer table, sorted by ID.
func (m *Machine) Peers() []PeerInfo {
	out := make([]PeerInfo, 0, len(m.peers))
	for _, p := range m.peers {
		out = append(out, p.info())
	}
	slices.SortFunc(out, func(a, b PeerInfo) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// Peer returns the row of peer id.
func (m *Machine) Peer(id uint64) (PeerInfo, bool) {
	p := m.peers[id]
	if p == nil {
		return PeerInfo{}, false
	}
	return p.info(), true
}

func (p *peer) info() PeerInfo {
	return PeerInfo{ID: p.id, Conn: p.conn, Remote: p.remote, Local: p.local, Inbound: p.inbound,
		ConnType: p.connType, Handshaken: p.handshaken, Since: p.since, MinPing: p.minPing, Handle: p.handle,
		MaybeV2: p.v2, LastBlock: p.lastBlock}
}

// Summary is a count of the machine's state, for inspection.
type Summary struct {
	Outbound, Inbound         int
	OutboundSlots, MaxInbound int
	// BlockRelayOnly counts the block-relay-only peers, BlockRelaySlots
	// their automatic slots.
	BlockRelayOnly, BlockRelaySlots int
	MaxConnections, PendingDial     int
	Bans, ManualNodes               int
	Listening                       []netip.AddrPort
}

// Summary counts the machine's state at now.
func (m *Machine) Summary(now time.Time) Summary {
	s := Summary{
		OutboundSlots: m.cfg.MaxOutbound, MaxInbound: m.maxInbound, MaxConnections: max(m.cfg.MaxConnections, 0),
		PendingDial: len(m.dials), Bans: len(m.bans.snapshot(now)), ManualNodes: len(m.manual),
		BlockRelayOnly: m.blockRelayPeers, BlockRelaySlots: m.cfg.BlockRelaySlots(),
	}
	for _, p := range m.peers {
		if p.inbound {
			s.Inbound++
		} else {
			s.Outbound++
		}
	}
	for _, l := range m.listeners {
		if l.done && l.err == nil {
			s.Listening = append(s.Listening, l.addr)
		}
	}
	return s
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
