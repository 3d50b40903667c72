package machine

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// Intervals and limits, mirroring Bitcoin Core's names.
const (
	// DefaultHandshakeTimeout is how long version and verack may take from
	// the moment the connection opened (Core: DEFAULT_PEER_CONNECT_TIMEOUT,
	// 60 s, checked by InactivityCheck).
	DefaultHandshakeTimeout = 60 * time.Second
	// DefaultPingInterval is the time between our pings (Core:
	// PING_INTERVAL, 2 minutes).
	DefaultPingInterval = 2 * time.Minute
	// DefaultPingTimeout is how long a ping may stay unanswered (Core:
	// TIMEOUT_INTERVAL, 20 minutes).
	DefaultPingTimeout = 20 * time.Minute
)

// NonceSet is the node-wide set of nonces of our own outbound version
// messages, shared by every peer to detect a connection to ourselves. It must
// be safe for concurrent use (peer.Nonces is).
type NonceSet interface {
	Add(nonce uint64)
	Remove(nonce uint64)
	Contains(nonce uint64) bool
}

// Config is what a machine is born with: its connection's direction and
// address, and the settings it may share with the other machines of a node.
type Config struct {
	// Inbound is true when the remote dialled us: we then wait for its
	// version before sending ours.
	Inbound bool
	// Remote is the remote's address, sent back as the version's addr_recv.
	Remote netip.AddrPort
	// ExpectServices are the services the remote's version must offer,
	// decided by whoever opened the connection for its type (Core's
	// ExpectServicesFromConn and HasAllDesirableServiceFlags): a version
	// lacking any of them is refused before our verack (MissingServices).
	// Zero expects nothing.
	ExpectServices protocol.ServiceFlag
	Settings
}

// Settings are the part of a Config that is the same for every connection
// of a node. Machines made with Init share one Settings value and only read
// it, so that an idle connection does not carry a copy of them.
type Settings struct {
	// Services are the service bits we announce.
	Services protocol.ServiceFlag
	// UserAgent is our BIP14 user agent.
	UserAgent string
	// StartHeight is the best height we announce, unless Height is set.
	StartHeight int32
	// Height, when set, is read when our version message is made: the
	// height we announce, kept current by the node's chain.
	Height *atomic.Int32
	// Relay is our version's relay flag (BIP37).
	Relay bool
	// Nonces, when set, receives the nonce of our outbound version until
	// the handshake ends, and is consulted for inbound versions.
	Nonces NonceSet
	// Handlers, when set, says which of the messages the machine forwards
	// someone processes: the others are ignored before they are decoded
	// (see Admit). Nil forwards every command the protocol knows.
	Handlers Handlers
	// Rand is the source of version and ping nonces. Required.
	Rand func() uint64
	// HandshakeTimeout, PingInterval and PingTimeout: zero means the
	// matching Default.
	HandshakeTimeout, PingInterval, PingTimeout time.Duration
}

// Phase is where the connection stands in its life.
type Phase uint8

// The phases.
const (
	// PhaseNew: Start has not been called.
	PhaseNew Phase = iota
	// PhaseAwaitVersion: waiting for the remote's version.
	PhaseAwaitVersion
	// PhaseAwaitVerack: the remote's version is in and our verack is out;
	// waiting for the remote's verack.
	PhaseAwaitVerack
	// PhaseReady: the handshake is complete.
	PhaseReady
	// PhaseClosed: the machine disconnected or was told the connection
	// closed; it ignores every input.
	PhaseClosed
)

var phaseNames = [...]string{
	PhaseNew:          "new",
	PhaseAwaitVersion: "awaiting-version",
	PhaseAwaitVerack:  "awaiting-verack",
	PhaseReady:        "ready",
	PhaseClosed:       "closed",
}

// String names the phase.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Status is a snapshot of a machine, for getpeerinfo and inspection.
type Status struct {
	Phase   Phase
	Inbound bool
	// ConnectedAt is the time given to Start.
	ConnectedAt time.Time
	// Remote is the remote's version message, nil until it arrived, with
	// its user agent sanitised and a negative timestamp raised to 0.
	Remote *protocol.MsgVersion
	// CommonVersion is min(ours, theirs) once their version arrived, else
	// our own protocol version.
	CommonVersion uint32
	// TimeOffset is the remote's version timestamp minus our clock when it
	// arrived.
	TimeOffset time.Duration
	// Feature negotiation the remote asked for (BIP339, BIP155, BIP130,
	// BIP133, BIP152). SendCmpct, CmpctAnnounce and CmpctVersion are
	// those of its last sendcmpct.
	WtxidRelay, WantsAddrV2, PrefersHeaders bool
	FeeFilter                               int64
	SendCmpct, CmpctAnnounce                bool
	CmpctVersion                            uint64
	// ProvidesCmpct says the remote sent a sendcmpct of version 2 (Core's
	// m_provides_cmpctblocks): only then are its cmpctblocks read.
	ProvidesCmpct bool
	// LastPing and MinPing are the last and smallest ping round trips (zero:
	// none yet); PingWait is how long the outstanding ping has waited (zero:
	// none outstanding).
	LastPing, MinPing, PingWait time.Duration
	// Reason is why the machine disconnected (ReasonNone if it did not).
	Reason Reason
}

// Machine is one connection's handshake, ping and feature negotiation, as a
// state machine with no I/O: every input carries the current time and appends
// what to do to a caller's slice. It is not safe for concurrent use; its owner
// (the peer actor) drives it from one goroutine at a time.
type Machine struct {
	cfg     *Settings
	inbound bool
	addr    netip.AddrPort
	phase   Phase
	// expect are the services the remote's version must offer.
	expect protocol.ServiceFlag

	connected instant
	// ourNonce is our version's nonce; registered says it sits in
	// cfg.Nonces (outbound, until the handshake ends).
	ourNonce   uint64
	registered bool

	remote        *protocol.MsgVersion
	commonVersion uint32
	timeOffset    time.Duration

	wtxidRelay, wantsAddrV2, prefersHeaders bool
	feeFilter                               int64
	sendCmpct, cmpctAnnounce                bool
	// providesCmpct is Core's m_provides_cmpctblocks: set by a sendcmpct
	// of CmpctBlocksVersion, never unset.
	providesCmpct bool
	cmpctVersion  uint64

	// pingNonce is the nonce of the outstanding ping (0: none outstanding,
	// as in Core's m_ping_nonce_sent); pingStart is when the last ping was
	// sent (zero: never, so the first goes out right after the handshake).
	pingNonce       uint64
	pingStart       instant
	lastRTT, minRTT time.Duration
	wake            instant
	reason          Reason
	// restrict is what the connection's type takes away (Restrict).
	restrict Restrictions
}

// New returns a machine for one connection, with its own copy of cfg's
// settings. It does nothing until Start.
func New(cfg Config) *Machine {
	s := cfg.Settings.WithDefaults()
	m := new(Machine)
	m.Init(&s, cfg.Inbound, cfg.Remote, cfg.ExpectServices)
	return m
}

// WithDefaults returns s with every zero interval set to its Default. Rand
// stays required.
func (s Settings) WithDefaults() Settings {
	if s.HandshakeTimeout <= 0 {
		s.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if s.PingInterval <= 0 {
		s.PingInterval = DefaultPingInterval
	}
	if s.PingTimeout <= 0 {
		s.PingTimeout = DefaultPingTimeout
	}
	return s
}

// Init readies m, a zero Machine (one embedded in its owner, say), for one
// connection: inbound, remote and expect (Config.ExpectServices) are the
// connection's, s the settings it shares with other machines. s must have its defaults (WithDefaults) and
// a Rand, and must not change while m is in use.
func (m *Machine) Init(s *Settings, inbound bool, remote netip.AddrPort, expect protocol.ServiceFlag) {
	if s.Rand == nil {
		panic("machine: Settings.Rand is required")
	}
	if s.HandshakeTimeout <= 0 || s.PingInterval <= 0 || s.PingTimeout <= 0 {
		panic("machine: Init needs Settings.WithDefaults")
	}
	*m = Machine{cfg: s, inbound: inbound, addr: remote, expect: expect, commonVersion: protocol.ProtocolVersion}
}

// Inbound reports whether the remote dialled us.
func (m *Machine) Inbound() bool { return m.inbound }

// ConnectedAt is when Start was called, the zero time before.
func (m *Machine) ConnectedAt() time.Time { return m.connected.time() }

// MinPing is the smallest ping round trip measured, 0 before the first.
func (m *Machine) MinPing() time.Duration { return m.minRTT }

// RemoteAddr is the remote's address.
func (m *Machine) RemoteAddr() netip.AddrPort { return m.addr }

// Phase returns where the connection stands.
func (m *Machine) Phase() Phase { return m.phase }

// CommonVersion is the protocol version to encode and decode with: min(ours,
// theirs) once their version arrived, our own before.
func (m *Machine) CommonVersion() uint32 { return m.commonVersion }

// ExpectServices are the services the remote's version must offer
// (Config.ExpectServices).
func (m *Machine) ExpectServices() protocol.ServiceFlag { return m.expect }

// Remote returns the remote's version message, or nil before it arrived,
// with its user agent sanitised (protocol.SanitizeString, as Core's
// cleanSubVer) and a negative timestamp raised to 0. Do not change it.
func (m *Machine) Remote() *protocol.MsgVersion { return m.remote }

// Status returns a snapshot of the machine at now.
func (m *Machine) Status(now time.Time) Status {
	s := Status{
		Phase:          m.phase,
		Inbound:        m.inbound,
		ConnectedAt:    m.connected.time(),
		Remote:         m.remote,
		CommonVersion:  m.commonVersion,
		TimeOffset:     m.timeOffset,
		WtxidRelay:     m.wtxidRelay,
		WantsAddrV2:    m.wantsAddrV2,
		PrefersHeaders: m.prefersHeaders,
		FeeFilter:      m.feeFilter,
		SendCmpct:      m.sendCmpct,
		CmpctAnnounce:  m.cmpctAnnounce,
		CmpctVersion:   m.cmpctVersion,
		ProvidesCmpct:  m.providesCmpct,
		LastPing:       m.lastRTT,
		MinPing:        m.minRTT,
		Reason:         m.reason,
	}
	if m.pingNonce != 0 {
		s.PingWait = now.Sub(m.pingStart.time())
	}
	return s
}

// Start tells the machine the connection is open. Outbound, it sends our
// version at once; inbound, it waits for the remote's. Either way the
// handshake timeout starts now.
func (m *Machine) Start(now time.Time, out []Output) []Output {
	if m.phase != PhaseNew {
		return out
	}
	m.connected = at(now)
	m.ourNonce = m.nonce()
	m.phase = PhaseAwaitVersion
	if !m.inbound {
		if m.cfg.Nonces != nil {
			m.cfg.Nonces.Add(m.ourNonce)
			m.registered = true
		}
		out = append(out, Output{Kind: Send, Msg: m.ourVersion(now)})
	}
	return m.scheduleWake(out)
}

// Received feeds one decoded message from the remote. Messages other than
// version before the remote's version are ignored, as are messages the
// machine does not negotiate before verack, like Core's ProcessMessage.
// After the handshake, whatever the machine does not handle itself is
// forwarded.
func (m *Machine) Received(now time.Time, msg protocol.Message, out []Output) []Output {
	if m.phase == PhaseNew || m.phase == PhaseClosed {
		return out
	}
	out = m.received(now, msg, out)
	return m.scheduleWake(out)
}

func (m *Machine) received(now time.Time, msg protocol.Message, out []Output) []Output {
	if v, ok := msg.(*protocol.MsgVersion); ok {
		return m.onVersion(now, v, out)
	}
	if m.remote == nil {
		// Core: "non-version message before version handshake".
		return out
	}
	switch msg := msg.(type) {
	case *protocol.MsgVerack:
		return m.onVerack(now, out)
	case *protocol.MsgSendHeaders:
		// BIP130; Core records it before and after verack alike. How
		// new blocks are announced is the chain's decision: the first
		// goes to the handlers, before verack too; a repeat changes
		// nothing and is not forwarded, so it makes them no work.
		first := !m.prefersHeaders
		m.prefersHeaders = true
		if !first {
			return out
		}
		if h := m.cfg.Handlers; h != nil && !h.Handles(protocol.CmdSendHeaders) {
			return out
		}
		return append(out, Output{Kind: Forward, Msg: msg})
	case *protocol.MsgSendCmpct:
		// BIP152; recorded before and after verack alike.
		m.sendCmpct = true
		m.cmpctAnnounce = msg.Announce
		m.cmpctVersion = msg.Version
		if msg.Version == protocol.CmpctBlocksVersion {
			// Core keeps only version 2 (with witnesses); what it
			// allows, a cmpctblock, is never taken back (see Admit).
			m.providesCmpct = true
		}
		return out
	case *protocol.MsgWtxidRelay:
		// BIP339: negotiation must happen between version and verack.
		if m.phase == PhaseReady {
			return m.disconnect(ProtocolViolation, out)
		}
		if m.commonVersion >= protocol.WtxidRelayVersion {
			m.wtxidRelay = true
		}
		return out
	case *protocol.MsgSendAddrV2:
		// BIP155: negotiation must happen between version and verack.
		if m.phase == PhaseReady {
			return m.disconnect(ProtocolViolation, out)
		}
		m.wantsAddrV2 = true
		return out
	}
	if m.phase != PhaseReady {
		// Core: "Unsupported message prior to verack".
		return out
	}
	if r := m.serviceRule(msg.Command()); r != ReasonNone {
		return m.disconnect(r, out)
	}
	switch msg := msg.(type) {
	case *protocol.MsgPing:
		if m.answersPing() {
			out = append(out, Output{Kind: Send, Msg: &protocol.MsgPong{Nonce: msg.Nonce}})
		}
		return out
	case *protocol.MsgPong:
		return m.onPong(now, msg.Nonce, out)
	case *protocol.MsgFeeFilter:
		// BIP133: Core keeps the value only if it is a valid amount.
		if msg.MinFee >= 0 && msg.MinFee <= maxMoney {
			m.feeFilter = msg.MinFee
		}
		return out
	case *protocol.MsgInv:
		if m.restrict.NoTxRelay && hasTx(msg.InvList) {
			return m.disconnect(TxRelayViolation, out)
		}
		if h := m.cfg.Handlers; h != nil && !h.Handles(protocol.CmdInv) {
			return out // admitted only for the check above
		}
		return append(out, Output{Kind: Forward, Msg: msg})
	case *protocol.MsgNotFound:
		if len(msg.InvList) > MaxNotFoundProcessed {
			// Core reads it and looks at none of its entries.
			return out
		}
		return append(out, Output{Kind: Forward, Msg: msg})
	default:
		return append(out, Output{Kind: Forward, Msg: msg})
	}
}

// answersPing reports whether the remote's pings carry a nonce to answer
// (BIP31): Core sends pong only to peers past BIP0031_VERSION.
func (m *Machine) answersPing() bool { return m.commonVersion > protocol.BIP0031Version }

// maxMoney is Core's MAX_MONEY in satoshis (21 million BTC).
const maxMoney = 21_000_000 * 100_000_000

// Tick tells the machine the time is now: it checks the handshake and ping
// timeouts and sends a ping when one is due. Call it at (or after) the time
// of the last Wake output; extra calls are harmless.
func (m *Machine) Tick(now time.Time, out []Output) []Output {
	switch m.phase {
	case PhaseAwaitVersion, PhaseAwaitVerack:
		if !now.Before(m.connected.time().Add(m.cfg.HandshakeTimeout)) {
			out = m.disconnect(HandshakeTimeout, out)
		}
	case PhaseReady:
		out = m.maybePing(now, out)
	default:
		return out
	}
	return m.scheduleWake(out)
}

// Disconnect closes the connection from our side for reason (a handler's
// request, a malformed message the caller could not decode). It emits one
// Disconnect output unless the machine is already closed; a reason that
// Discourages leaves the machine open (see Output's Disconnect).
func (m *Machine) Disconnect(reason Reason, out []Output) []Output {
	if m.phase == PhaseClosed {
		return out
	}
	return m.disconnect(reason, out)
}

// Closed tells the machine the connection is gone. It releases our nonce and
// ignores every later input; it emits nothing.
func (m *Machine) Closed() {
	m.phase = PhaseClosed
	m.releaseNonce()
}

func (m *Machine) onVersion(now time.Time, v *protocol.MsgVersion, out []Output) []Output {
	if m.remote != nil {
		// Core: "redundant version message", ignored.
		return out
	}
	if !v.Services.Has(m.expect) {
		// Core checks this first, before the version number, and sends
		// no verack.
		out = m.disconnect(MissingServices, out)
		out[len(out)-1].Version = v
		return out
	}
	if v.ProtocolVersion < protocol.MinPeerProtocolVersion {
		return m.disconnect(ObsoleteVersion, out)
	}
	if m.inbound && m.cfg.Nonces != nil && m.cfg.Nonces.Contains(v.Nonce) {
		return m.disconnect(SelfConnection, out)
	}
	m.remote = cleanVersion(v)
	m.commonVersion = min(uint32(v.ProtocolVersion), protocol.ProtocolVersion)
	m.timeOffset = time.Unix(m.remote.Timestamp, 0).Sub(now.Truncate(time.Second))
	if m.inbound {
		out = append(out, Output{Kind: Send, Msg: m.ourVersion(now)})
	}
	if m.commonVersion >= protocol.WtxidRelayVersion {
		// Core sends both only from 70016 on: BIP155 peers announce at
		// least that, and older software may reject unknown messages.
		out = append(out,
			Output{Kind: Send, Msg: &protocol.MsgWtxidRelay{}},
			Output{Kind: Send, Msg: &protocol.MsgSendAddrV2{}})
	}
	m.phase = PhaseAwaitVerack
	return append(out, Output{Kind: Send, Msg: &protocol.MsgVerack{}})
}

// cleanVersion is the remote's version as the machine keeps it, as Core
// keeps it: the user agent sanitised (Core stores only cleanSubVer, so
// getpeerinfo, the debug endpoint, the command line and the log never see
// the peer's raw bytes) and a negative timestamp raised to 0 (Core's nTime).
// v is left as it was.
func cleanVersion(v *protocol.MsgVersion) *protocol.MsgVersion {
	c := *v
	c.UserAgent = protocol.SanitizeString(v.UserAgent)
	c.Timestamp = max(v.Timestamp, 0)
	return &c
}

func (m *Machine) onVerack(now time.Time, out []Output) []Output {
	if m.phase == PhaseReady {
		// Core: "ignoring redundant verack message".
		return out
	}
	m.phase = PhaseReady
	m.releaseNonce()
	// sendheaders (BIP130) is the chain's to send, once the remote has
	// shown a chain worth hearing announcements of (Core's
	// MaybeSendSendHeaders).
	out = append(out, Output{Kind: Event, Event: HandshakeComplete, Version: m.remote})
	// Core's first ping goes out in the first SendMessages after verack,
	// since m_ping_start starts at zero.
	return m.maybePing(now, out)
}

// onPong follows Core's ProcessPong: only a pong carrying the outstanding
// nonce completes the ping; a zero nonce cancels it; anything else is
// ignored (overlapping pings, unsolicited pongs).
func (m *Machine) onPong(now time.Time, nonce uint64, out []Output) []Output {
	switch {
	case m.pingNonce == 0:
		return out
	case nonce == m.pingNonce:
		m.pingNonce = 0
		rtt := now.Sub(m.pingStart.time())
		if rtt < 0 {
			return out
		}
		m.lastRTT = rtt
		if m.minRTT == 0 || rtt < m.minRTT {
			m.minRTT = rtt
		}
		return append(out, Output{Kind: Event, Event: Pong, RTT: rtt})
	case nonce == 0:
		m.pingNonce = 0
		return out
	default:
		return out
	}
}

// maybePing follows Core's MaybeSendPing: disconnect when the outstanding
// ping is older than the ping timeout; send a ping when none is outstanding
// and the last was sent at least a ping interval ago.
func (m *Machine) maybePing(now time.Time, out []Output) []Output {
	if m.pingNonce != 0 {
		if !now.Before(m.pingStart.time().Add(m.cfg.PingTimeout)) {
			return m.disconnect(PingTimeout, out)
		}
		return out
	}
	if m.pingStart != 0 && now.Before(m.pingStart.time().Add(m.cfg.PingInterval)) {
		return out
	}
	m.pingStart = at(now)
	var nonce uint64
	if m.commonVersion > protocol.BIP0031Version {
		nonce = m.nonce()
		m.pingNonce = nonce
	}
	// A peer at or below BIP0031_VERSION gets a ping without a nonce and
	// never answers it, so nothing is outstanding.
	return append(out, Output{Kind: Send, Msg: &protocol.MsgPing{Nonce: nonce}})
}

// disconnect emits the Disconnect of a broken rule. A rule that discourages
// (Core's Misbehaving) leaves the machine as it was: the message is dropped,
// and whether the connection ends is the connection manager's decision
// (Core goes on with a manual peer). Any other closes the machine.
func (m *Machine) disconnect(reason Reason, out []Output) []Output {
	if reason.Discourages() {
		return append(out, Output{Kind: Disconnect, Reason: reason})
	}
	m.phase = PhaseClosed
	m.reason = reason
	m.releaseNonce()
	return append(out, Output{Kind: Disconnect, Reason: reason})
}

func (m *Machine) releaseNonce() {
	if m.registered {
		m.cfg.Nonces.Remove(m.ourNonce)
		m.registered = false
	}
}

// nonce draws a non-zero nonce (zero means "none" for pings).
func (m *Machine) nonce() uint64 {
	for range 64 {
		if n := m.cfg.Rand(); n != 0 {
			return n
		}
	}
	return 1
}

// ourVersion builds our version message the way Core's PushNodeVersion does:
// the remote's address as addr_recv when it is routable (unspecified
// otherwise: a loopback, private or link-local address tells the remote
// nothing it can use and tells it about our network), an empty addr_from
// carrying our services (we do not reveal our own address).
func (m *Machine) ourVersion(now time.Time) *protocol.MsgVersion {
	recv := protocol.NetAddress{Addr: netip.IPv6Unspecified()}
	if a := m.addr.Addr().Unmap(); netaddr.FromIP(a).IsRoutable() {
		recv = protocol.NetAddress{Addr: a, Port: m.addr.Port()}
	}
	return &protocol.MsgVersion{
		ProtocolVersion: int32(protocol.ProtocolVersion),
		Services:        m.cfg.Services,
		Timestamp:       now.Unix(),
		AddrRecv:        recv,
		AddrFrom: protocol.NetAddress{
			Services: m.cfg.Services,
			Addr:     netip.IPv6Unspecified(),
		},
		Nonce:       m.ourNonce,
		UserAgent:   m.cfg.UserAgent,
		StartHeight: m.startHeight(),
		Relay:       m.cfg.Relay && !m.restrict.NoTxRelay,
	}
}

// startHeight is the height our version message announces.
func (m *Machine) startHeight() int32 {
	if m.cfg.Height != nil {
		return m.cfg.Height.Load()
	}
	return m.cfg.StartHeight
}

// NextWake is when Tick next has something to check, or the zero time when
// nothing is pending (new or closed). It is the time of the latest Wake
// output; a caller whose timer fired early can re-arm with it.
func (m *Machine) NextWake() time.Time {
	switch m.phase {
	case PhaseAwaitVersion, PhaseAwaitVerack:
		return m.connected.time().Add(m.cfg.HandshakeTimeout)
	case PhaseReady:
		if m.pingNonce != 0 {
			return m.pingStart.time().Add(m.cfg.PingTimeout)
		}
		return m.pingStart.time().Add(m.cfg.PingInterval)
	default:
		return time.Time{}
	}
}

// scheduleWake appends a Wake output when the next deadline moved.
func (m *Machine) scheduleWake(out []Output) []Output {
	next := m.NextWake()
	if next.IsZero() || at(next) == m.wake {
		return out
	}
	m.wake = at(next)
	return append(out, Output{Kind: Wake, At: next})
}

// instant is a time in Unix nanoseconds, zero for none: a third of the
// size of a time.Time, in a value every connection keeps while idle. The
// machine's times come from its caller's clock and are compared as wall
// clock times, as Core's are.
type instant int64

func at(t time.Time) instant {
	if t.IsZero() {
		return 0
	}
	return instant(t.UnixNano())
}

func (i instant) time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i)).UTC()
}
