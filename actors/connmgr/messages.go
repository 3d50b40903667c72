package connmgr

import (
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Errors of the operator commands, in Core's words (see machine).
var (
	// ErrNodeAdded: addnode add of a node already in the list.
	ErrNodeAdded = machine.ErrNodeAdded
	// ErrNodeNotAdded: addnode remove of a node not in the list.
	ErrNodeNotAdded = machine.ErrNodeNotAdded
	// ErrNodeNotFound: disconnectnode of a peer that is not connected.
	ErrNodeNotFound = machine.ErrNodeNotFound
	// ErrUnknownCommand: addnode with a command other than add, remove,
	// onetry.
	ErrUnknownCommand = machine.ErrUnknownCommand
)

// ListenFailed is sent to connmgr's parent when io could not listen on Addr.
// Core refuses to start when an address given with -bind cannot be bound;
// the parent (the node) decides.
type ListenFailed struct {
	Addr netip.AddrPort
	Err  error
}

// GetListeners asks for the listening addresses, answered with *Listeners to
// ReplyTo.
type GetListeners struct {
	ReplyTo *actor.PID
}

// Listeners answers GetListeners: the addresses bound so far (Addrs),
// whether io has answered every listen request (Ready) and the failures
// among the answers (Err).
type Listeners = machine.Listeners

// Ban bans a subnet until Until (the zero time: for DefaultBanTime). Banned
// addresses are never dialled, their inbound connections are refused and
// the connected ones are closed. Replaces an existing ban of the same subnet.
type Ban struct {
	Subnet netip.Prefix
	Until  time.Time
}

// Misbehaved reports that peer ID broke the protocol's rules (Core's
// Misbehaving, acted on as MaybeDiscourageAndDisconnect does), as a peer
// reports itself with *peer.Misbehaved: a manual peer is kept (and a
// warning logged); a loopback one is closed, its address not discouraged;
// any other is closed with every connection from its address, and the
// address discouraged: not dialled, its inbound connections refused while
// the inbound slots are nearly full and evicted first otherwise, its
// gossip not stored and not handed out by the address book. Unlike a ban,
// discouragement is not listed, saved or timed, as in Core; the oldest of
// 50,000 addresses is forgotten.
type Misbehaved struct {
	ID uint64
}

// Unban lifts the ban of exactly Subnet.
type Unban struct {
	Subnet netip.Prefix
}

// ClearBans lifts every ban.
type ClearBans struct{}

// ListBans asks for the bans in force, answered with *Bans to ReplyTo.
type ListBans struct {
	ReplyTo *actor.PID
}

// Bans answers ListBans, sorted by subnet.
type Bans struct {
	List []BanEntry
}

// BanEntry is one ban in force.
type BanEntry = machine.BanEntry

// PeerReady is sent to each of Config.PeerWatchers when a peer has
// finished its handshake: the peer's actor, its connection type (ConnInbound,
// ConnOutboundFullRelay, ...) and its version message. ConnMgr is the
// sender, which takes *Misbehaved about the peer.
type PeerReady struct {
	ID       uint64
	PID      *actor.PID
	ConnMgr  *actor.PID
	ConnType string
	Inbound  bool
	Version  protocol.MsgVersion
}

// PeerGone is sent to each of Config.PeerWatchers when a peer actor has
// stopped, whether or not it finished its handshake: after it, nothing
// more comes from PID.
type PeerGone struct {
	ID  uint64
	PID *actor.PID
}

// GetPeers asks for the peer table, answered with *Peers to ReplyTo.
type GetPeers struct {
	ReplyTo *actor.PID
}

// Peers answers GetPeers: every open connection that has a peer actor,
// sorted by ID.
type Peers struct {
	List []PeerEntry
}

// Connection types, as Core's getpeerinfo names them.
const (
	ConnOutboundFullRelay = machine.ConnOutboundFullRelay
	ConnInbound           = machine.ConnInbound
	ConnManual            = machine.ConnManual
	// ConnAddrFetch is a -seednode connection: getaddr, answer, close.
	ConnAddrFetch = machine.ConnAddrFetch
	// ConnFeeler is a short connection that tests an address (Core's
	// FEELER): closed once the handshake is done.
	ConnFeeler = machine.ConnFeeler
)

// TransportDetecting is PeerEntry.Transport for a connection that may
// still turn out v2 (Core's TransportProtocolType::DETECTING): dialled v2
// and not yet through the v2 handshake, or accepted while we speak v2 with
// no sign of the peer's transport yet. connmgr sees only the handshake's
// end; a peer that has sent its version message has shown v1.
const TransportDetecting = "detecting"

// PeerEntry is one row of the peer table.
type PeerEntry struct {
	ID      uint64           `json:"id"`
	PID     *actor.PID       `json:"-"`
	Conn    transport.ConnID `json:"conn"`
	Remote  netip.AddrPort   `json:"addr"`
	Local   netip.AddrPort   `json:"addrlocal"`
	Inbound bool             `json:"inbound"`
	// ConnType is ConnOutboundFullRelay, ConnBlockRelayOnly, ConnInbound,
	// ConnManual, ConnAddrFetch or ConnFeeler.
	ConnType   string    `json:"connection_type"`
	Handshaken bool      `json:"handshaken"`
	Since      time.Time `json:"conntime"`
	// Transport is "v1", "v2" (BIP324, once its handshake completed) or
	// TransportDetecting, SessionID the v2 session id in hex ("" on v1):
	// getpeerinfo's transport_protocol_type and session_id.
	Transport string `json:"transport_protocol_type"`
	SessionID string `json:"session_id,omitempty"`
}

// AddNode commands, as Core's addnode RPC takes them.
const (
	AddNodeAdd    = machine.AddNodeAdd
	AddNodeRemove = machine.AddNodeRemove
	AddNodeOneTry = machine.AddNodeOneTry
)

// AddNode changes the list of nodes kept connected, like Core's addnode:
// "add" keeps Addr ("host:port"; the port defaults to the network's)
// connected, reconnecting with backoff; "remove" forgets it (an open
// connection stays open, as in Core); "onetry" dials it once. When ReplyTo
// is set it is answered with *AddNodeReply.
type AddNode struct {
	Addr    string
	Command string
	ReplyTo *actor.PID
	// V1 is Core's v2transport argument false: the node is dialled with
	// v1 only, even when the node speaks v2.
	V1 bool
}

// AddNodeReply answers AddNode; Err says why the command was refused.
type AddNodeReply struct {
	Err error
}

// DisconnectNode closes the connection to Addr ("ip:port") when set, else
// to the peer numbered ID. When ReplyTo is set it is answered with
// *DisconnectNodeReply.
type DisconnectNode struct {
	ID      uint64
	Addr    string
	ReplyTo *actor.PID
}

// DisconnectNodeReply answers DisconnectNode; Err is set when no such peer
// is connected.
type DisconnectNodeReply struct {
	Err error
}

// Sources of our own addresses (SetLocalAddr), strongest first, in the
// order of Core's LOCAL_MANUAL, LOCAL_MAP and LOCAL_IF. Any other Source
// (a port-mapping protocol: "pcp", "natpmp", "upnp") counts as mapped.
const (
	// LocalManual is an address the operator gave (-externalip).
	LocalManual = machine.LocalManual
	// LocalInterface is an address found on a local interface (-discover).
	LocalInterface = machine.LocalInterface
)

// SetLocalAddr makes Addr one of our own addresses, to be announced to
// peers: an -externalip address (Source LocalManual), a gateway's mapping
// (Source the protocol's name) or a discovered interface address (Source
// LocalInterface). A manual or mapped address takes precedence over what a
// peer says it sees us at; a port of 0 means our listening port. Setting an
// address again updates its source.
type SetLocalAddr struct {
	Addr   netip.AddrPort
	Source string
}

// RemoveLocalAddr drops Addr from our own addresses (a mapping ended).
type RemoveLocalAddr struct {
	Addr netip.AddrPort
}

// GetLocalAddrs asks for our own addresses (getnetworkinfo's
// localaddresses), answered with *LocalAddrs to ReplyTo.
type GetLocalAddrs struct {
	ReplyTo *actor.PID
}

// LocalAddrs answers GetLocalAddrs, strongest first.
type LocalAddrs struct {
	List []LocalAddr
}

// LocalAddr is one of our own addresses: Addr, its Source and the Score
// of the source (3 manual, 2 mapped, 1 interface).
type LocalAddr = machine.LocalAddr

// ConnBlockRelayOnly is an automatic outbound connection that relays
// blocks only (Core's BLOCK_RELAY): our version says relay=false and no
// addresses go either way.
const ConnBlockRelayOnly = machine.ConnBlockRelayOnly

// BlockAnnounced tells connmgr that peer ID gave us a new best header At
// (sent by the chain actor): the extra-peer eviction keeps the peers that
// announce blocks (Core's m_last_block_announcement and m_last_block_time).
type BlockAnnounced struct {
	ID uint64
	At time.Time
}

// ChainProtected tells connmgr that the chain protects peer ID from being
// disconnected for an old chain (Core's m_chain_sync.m_protect): it is
// not evicted as an extra outbound peer either.
type ChainProtected struct {
	ID uint64
}

// TryNewOutbound is the chain's stale-tip verdict, sent every 10 minutes
// (Core's SetTryNewOutboundPeer): while Stale, one full-relay peer beyond
// the slots is dialled once they are full; the extra-peer check evicts
// one afterwards.
type TryNewOutbound struct {
	Stale bool
}

// StartExtraBlockRelay tells connmgr that initial sync is over (Core's
// StartExtraBlockRelayPeers): an extra block-relay-only peer is tried
// about every 5 minutes from now on, and the least useful one evicted.
type StartExtraBlockRelay struct{}
