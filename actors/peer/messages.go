package peer

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Config is everything a peer actor is born with. The parent (connmgr) fills
// it when it spawns the peer for a connection io has opened.
type Config struct {
	// ID is the node-wide peer number, like Core's NodeId; the actor is named
	// "peer-<ID>".
	ID uint64
	// Conn is the io connection this peer speaks through.
	Conn transport.ConnID
	// Remote and Local are the connection's addresses.
	Remote, Local netip.AddrPort
	// Inbound is true when the remote dialled us.
	Inbound bool
	// ExpectServices are the services the remote's version must offer, as
	// the connection manager decides for the connection's type (Core's
	// ExpectServicesFromConn): a version lacking one is refused before
	// our verack. Zero expects nothing.
	ExpectServices protocol.ServiceFlag
	// NoTxRelay says our version says relay=false whatever Relay says, and
	// a transaction from the remote disconnects it (Core's
	// RejectIncomingTxs: block-relay-only and feeler connections).
	NoTxRelay bool
	// BlockRelayOnly marks an outbound block-relay-only connection: no
	// transactions (as NoTxRelay) and no address relay, the remote's addr
	// and addrv2 ignored unread.
	BlockRelayOnly bool
	// IO receives *transport.Send and *transport.Close for Conn.
	IO *actor.PID
	// Dispatcher receives *dispatcher.Deliver for every message the peer does
	// not handle itself, after the handshake. Nil drops them.
	Dispatcher *actor.PID
	// Routes, the dispatcher's (dispatcher.WithRoutes), says which commands
	// have handlers: the peer decodes and forwards only those. Nil
	// forwards every command the protocol knows.
	Routes *dispatcher.Routes
	// Network gives the magic and the network name.
	Network protocol.Params
	// Services are the service bits we announce (only what we really offer).
	Services protocol.ServiceFlag
	// UserAgent is our BIP14 user agent, e.g. "/actornode:0.1.0/".
	UserAgent string
	// Relay is the version message's relay flag (BIP37): whether we want tx inv.
	Relay bool
	// StartHeight is the best height we announce, unless Height is set.
	StartHeight int32
	// Height, when set, is read at each handshake for the height we
	// announce (the chain actor keeps it at its best header's height).
	Height *atomic.Int32
	// Nonces is the node-wide set of version nonces of our own outbound
	// handshakes, used to detect a connection to ourselves.
	Nonces *Nonces
	// HandshakeTimeout: 60 s like Core's -peertimeout for the handshake; zero
	// means the default.
	HandshakeTimeout time.Duration
	// PingInterval: 2 minutes like Core's PING_INTERVAL; zero means the default.
	PingInterval time.Duration
	// PingTimeout: 20 minutes like Core's TIMEOUT_INTERVAL; zero means the default.
	PingTimeout time.Duration
}

// SendMessage asks the peer to encode Msg and send it (handlers, addrbook).
type SendMessage struct {
	Msg protocol.Message
}

// Disconnect asks the peer to close its connection for Reason. A handler
// that found misbehaviour (a rule Core calls Misbehaving for) wraps a
// Reason that Discourages: the peer then reports *Misbehaved to its parent,
// which decides, instead of closing.
type Disconnect struct {
	Reason error
}

// Handshaken is sent to the parent once version and verack have both been
// exchanged: the connection is live.
type Handshaken struct {
	ID      uint64
	PID     *actor.PID
	Conn    transport.ConnID
	Remote  netip.AddrPort
	Inbound bool
	// Version is the remote's version message.
	Version protocol.MsgVersion
	// WantsAddrV2 is true when the remote sent sendaddrv2 (BIP155) before
	// its verack: it is sent addrv2 instead of addr.
	WantsAddrV2 bool
}

// GetInfo asks the peer for its getpeerinfo entry, answered with *Info to
// ReplyTo.
type GetInfo struct {
	ReplyTo *actor.PID
}

// Info is one peer's entry in the shape of Bitcoin Core's getpeerinfo.
type Info struct {
	ID              uint64            `json:"id"`
	Addr            string            `json:"addr"`
	AddrBind        string            `json:"addrbind,omitempty"`
	AddrLocal       string            `json:"addrlocal,omitempty"`
	Services        string            `json:"services"`
	ServicesNames   []string          `json:"servicesnames"`
	RelayTxes       bool              `json:"relaytxes"`
	LastSend        int64             `json:"lastsend"`
	LastRecv        int64             `json:"lastrecv"`
	BytesSent       uint64            `json:"bytessent"`
	BytesRecv       uint64            `json:"bytesrecv"`
	ConnTime        int64             `json:"conntime"`
	TimeOffset      int64             `json:"timeoffset"`
	PingTime        float64           `json:"pingtime,omitempty"`
	MinPing         float64           `json:"minping,omitempty"`
	PingWait        float64           `json:"pingwait,omitempty"`
	Version         int32             `json:"version"`
	SubVer          string            `json:"subver"`
	Inbound         bool              `json:"inbound"`
	StartingHeight  int32             `json:"startingheight"`
	ConnectionType  string            `json:"connection_type"`
	Handshaken      bool              `json:"handshaken"`
	BytesSentPerMsg map[string]uint64 `json:"bytessent_per_msg"`
	BytesRecvPerMsg map[string]uint64 `json:"bytesrecv_per_msg"`

	// The fields below are filled by whoever merges the peer's answer with
	// connmgr's table (nodeinfo.Peers); the peer leaves them empty.

	// Network is Core's network class of Addr: "ipv4", "ipv6", "onion",
	// "i2p", "cjdns" or "not_publicly_routable".
	Network string `json:"network,omitempty"`
	// Permissions are Core's net permissions of the connection (-whitebind,
	// -whitelist); none here.
	Permissions []string `json:"permissions"`
	// SyncedHeaders is the height of the best header the peer is known to
	// have, -1 if none; SyncedBlocks the last block we share, -1 (we
	// download no blocks); Inflight the blocks in flight from it (none).
	// Filled from the chain actor (nodeinfo.AddChainState).
	SyncedHeaders int32   `json:"synced_headers"`
	SyncedBlocks  int32   `json:"synced_blocks"`
	Inflight      []int32 `json:"inflight"`
	// TransportProtocolType is "v1", or "v2" once a BIP324 handshake
	// completed.
	TransportProtocolType string `json:"transport_protocol_type,omitempty"`
	// SessionID is the BIP324 session id, "" on a v1 connection.
	SessionID string `json:"session_id"`
}

// Ping asks the peer to send a ping now instead of at the next ping
// interval, like Core's ping RPC; ignored while a ping is outstanding or
// before the handshake.
type Ping struct{}

// PingTime is sent to the peer's parent (connmgr) when the smallest ping
// round trip measured on the connection drops: Core's eviction protects
// the peers with the lowest ping times.
type PingTime struct {
	ID      uint64
	MinPing time.Duration
}

// Misbehaved is sent to the peer's parent (connmgr) when the remote broke
// a rule Core calls Misbehaving for (Reason.Discourages): the peer does not
// close the connection itself, for the parent decides, as Core's
// MaybeDiscourageAndDisconnect does (a manual peer is kept, a local one
// only disconnected, any other disconnected and its address discouraged).
// The peer goes on until the parent closes the connection. It is sent
// while the peer still runs, at most once per batch of frames; a peer
// without a parent closes the connection for Reason instead.
type Misbehaved struct {
	ID     uint64
	PID    *actor.PID
	Conn   transport.ConnID
	Remote netip.AddrPort
	Reason Reason
}
