package machine

import (
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// ConnID names one connection, as io numbers them.
type ConnID uint64

// Kind says what an Action asks the caller to do.
type Kind uint8

// The action kinds. Each names the fields of Action it uses.
const (
	// Listen: ask io to listen on Addr; answer with Listening.
	Listen Kind = iota + 1
	// ListenFailed: tell the owner that listening on Addr failed with Err
	// (Core refuses to start then; the owner decides).
	ListenFailed
	// Dial: ask io to connect to Addr (ConnType), tagged Tag; answer with
	// Dialed.
	Dial
	// Resolve: look Host up on the side and answer with Resolved for Key,
	// giving the address with Port.
	Resolve
	// Spawn: start the peer ID for connection Conn (Remote Addr, local end
	// Local, Inbound, ConnType) and hand it the connection; answer with
	// Spawned.
	Spawn
	// Close: ask io to close Conn for Reason.
	Close
	// AskCandidates: ask the address book for up to Max addresses to dial
	// (a feeler's when Feeler), none of them in Exclude; answer with
	// Candidates.
	AskCandidates
	// ReportAttempt: tell the address book a dial to Addr succeeded or not
	// (Success).
	ReportAttempt
	// ReportConnected: tell the address book peer ID (Addr, Inbound,
	// ConnType, Services, WantsAddrV2) finished its handshake; Local is our
	// own address as it can reach us (zero: nothing to announce).
	ReportConnected
	// ReportDisconnected: tell the address book peer ID has gone.
	ReportDisconnected
	// SaveBans: write Bans, the bans in force, to the ban file; call
	// BansNotSaved if that fails.
	SaveBans
	// Wake: call Tick at At (replacing any earlier wake-up).
	Wake
	// Log: write Note to the log.
	Log
	// Filter: give the address book Bans and Discouraged (an AddrFilter),
	// the addresses it must neither take from gossip nor hand out. Sent
	// when either changes and, while not empty, every minute.
	Filter
	// LimitAccepts: give io its admission snapshot, the caps it applies
	// to accepted connections without asking: MaxUndecided accepted and
	// neither attached nor closed, MaxInbound accepted and open (0: no
	// cap). See transport.AcceptLimits.
	LimitAccepts
	// SaveAnchors: write Anchors, the block-relay-only peers to dial first
	// at the next start, to the anchors file (at Stop).
	SaveAnchors
)

var kindNames = [...]string{
	Listen: "listen", ListenFailed: "listen-failed", Dial: "dial", Resolve: "resolve", Spawn: "spawn",
	Close: "close", AskCandidates: "ask-candidates", ReportAttempt: "attempt", ReportConnected: "connected",
	ReportDisconnected: "disconnected", SaveBans: "save-bans", Wake: "wake", Log: "log", Filter: "filter",
	LimitAccepts: "limit-accepts", SaveAnchors: "save-anchors",
}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Action is one thing the machine asks its caller to do. Only the fields
// its Kind names are set.
type Action struct {
	Kind Kind
	// ID is the peer (Spawn, ReportConnected, ReportDisconnected).
	ID uint64
	// Tag identifies a dial (Dial).
	Tag uint64
	// Conn is the connection (Spawn, Close).
	Conn ConnID
	// Addr is the remote or listening address (Listen, ListenFailed, Dial,
	// Spawn, ReportAttempt, ReportConnected).
	Addr netip.AddrPort
	// Local is the connection's local end (Spawn) or our address as the
	// peer can reach it (ReportConnected).
	Local netip.AddrPort
	// Socket is the connection's local end (ReportConnected): the address
	// book caches its getaddr answers per local socket, as Core does.
	Socket  netip.AddrPort
	Inbound bool
	// ConnType is one of the Conn* connection types.
	ConnType string
	// ExpectServices are the services the peer's version must offer
	// (Spawn; zero: none), by ConnType: the peer refuses a version
	// lacking one before its verack.
	ExpectServices protocol.ServiceFlag
	// NoTxRelay says our version must say relay=false (Spawn): a
	// block-relay-only or feeler connection, as Core's RejectIncomingTxs.
	NoTxRelay bool
	// Anchors are the addresses to save (SaveAnchors).
	Anchors []Anchor
	// Reason is why to close (Close).
	Reason Reason
	// Success is the attempt's outcome (ReportAttempt).
	Success bool
	// Max, Feeler and Exclude make up a candidates request.
	Max     int
	Feeler  bool
	Exclude []netip.AddrPort
	// Services and WantsAddrV2 are what the peer's handshake said
	// (ReportConnected).
	Services    protocol.ServiceFlag
	WantsAddrV2 bool
	// V2 asks for BIP324's v2 transport first (Dial).
	V2 bool
	// Key, Host and Port make up a lookup (Resolve).
	Key, Host string
	Port      uint16
	// Bans is the list to save (SaveBans) or the bans in force, sorted by
	// subnet (Filter).
	Bans []BanEntry
	// Discouraged are the discouraged addresses, sorted (Filter). Shared:
	// do not change.
	Discouraged []netip.Addr
	// Err is the failure (ListenFailed).
	Err error
	// At is when to call Tick (Wake).
	At time.Time
	// Note is the line to log (Log).
	Note Note
	// MaxUndecided and MaxInbound are io's caps on accepted connections
	// (LimitAccepts).
	MaxUndecided, MaxInbound int
}

// Level is a log line's severity.
type Level uint8

// The levels.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
)

// Note is a line for the log: the machine decides what is worth saying and
// how loudly; the caller writes it.
type Note struct {
	Level  Level
	Msg    string
	Fields []Field
}

// Field is one key and value of a Note. Value is a uint64, int, bool,
// string, time.Time, error or a fmt.Stringer such as netip.AddrPort.
type Field struct {
	Key   string
	Value any
}

func note(out []Action, level Level, msg string, fields ...Field) []Action {
	return append(out, Action{Kind: Log, Note: Note{Level: level, Msg: msg, Fields: fields}})
}

func fPeer(id uint64) Field               { return Field{"peer", id} }
func fAddr(a netip.AddrPort) Field        { return Field{"addr", a} }
func fConnType(t string) Field            { return Field{"conn_type", t} }
func fErr(err error) Field                { return Field{"error", err} }
func fNode(name string) Field             { return Field{"node", name} }
func fStr(key, value string) Field        { return Field{key, value} }
func fLocal(a netip.AddrPort) Field       { return Field{"local", a} }
func fSubnet(p netip.Prefix) Field        { return Field{"subnet", p} }
func fSource(source string) Field         { return Field{"source", source} }
func fReason(reason error) Field          { return Field{"reason", reasonText(reason)} }
func fUntil(t time.Time) Field            { return Field{"until", t} }
func fInbound(inbound bool) Field         { return Field{"inbound", inbound} }
func fTag(tag uint64) Field               { return Field{"tag", tag} }
func fConn(c ConnID) Field                { return Field{"conn", uint64(c)} }
func fNamedErr(key string, e error) Field { return Field{key, e} }

func reasonText(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}
