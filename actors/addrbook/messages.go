package addrbook

import (
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/protocol"
)

// Connected tells the book that a peer's handshake has completed (sent by
// connmgr). For an outbound peer the address is marked good and the book
// asks the peer for addresses (getaddr); an inbound peer may now be answered
// one getaddr.
type Connected struct {
	// ID is the peer's node-wide number.
	ID uint64
	// Peer is the peer actor: the book sends it *peer.SendMessage.
	Peer *actor.PID
	// Addr is the remote address of the connection.
	Addr netip.AddrPort
	// Inbound is true when the remote dialled us.
	Inbound bool
	// Services are the service bits of the remote's version message.
	Services protocol.ServiceFlag
	// WantsAddrV2 is true when the remote sent sendaddrv2 (BIP155): it is
	// answered with addrv2 instead of addr.
	WantsAddrV2 bool
	// Local is our own listening address as this peer can reach it; an
	// outbound peer is told it right after the handshake, as Core does, and
	// every peer we relay to is told it again about daily. The zero value:
	// nothing to announce.
	Local netip.AddrPort
	// LocalSocket is our end of the connection: the address and port our
	// socket is bound to. getaddr answers are kept per network of the
	// asker and local socket, as Core keys them, so a node listening on
	// several addresses (or networks) cannot be recognised as one by its
	// answers. The zero value: unknown; all askers of one network share an
	// answer.
	LocalSocket netip.AddrPort
	// AddrFetch marks a -seednode connection (Core's ADDR_FETCH): the book
	// asks it for addresses and has the peer disconnect once they come (or
	// after 5 minutes). It takes no outbound slot and gets no relays.
	AddrFetch bool
	// Feeler marks a feeler connection (Core's FEELER): its handshake
	// makes the address good (the tried table), and that is all; connmgr
	// closes it.
	Feeler bool
	// BlockRelayOnly marks an outbound block-relay-only connection (Core's
	// BLOCK_RELAY): its handshake makes the address good, and that is
	// all: no getaddr, no address of ours, no relay either way, and its
	// end does not touch the address's time, so that nothing links it to
	// our address book.
	BlockRelayOnly bool
}

// Disconnected tells the book that peer ID has gone: its per-connection state
// (getaddr answered, addrv2 wish) is forgotten.
type Disconnected struct {
	ID uint64
}

// Attempt reports the outcome of one outbound connection attempt to Addr
// (sent by connmgr after the dial, or after a connection that ended before
// its handshake). A failure starts or lengthens the address's retry backoff.
type Attempt struct {
	Addr    netip.AddrPort
	Success bool
}

// Candidates asks for up to Max addresses to dial, none of them in Exclude
// (the connected and pending ones). The book answers ReplyTo with
// *CandidatesReply. With Feeler set it chooses one address for a feeler
// connection instead: the tried address a pending collision would evict,
// else an address of the new table only.
type Candidates struct {
	Max     int
	Exclude []netip.AddrPort
	Feeler  bool
	ReplyTo *actor.PID
}

// CandidatesReply answers Candidates: distinct IP addresses chosen at
// random, those not tried recently first, none waiting out a retry backoff.
// It may hold fewer than asked, or none. Feeler is the request's.
type CandidatesReply struct {
	Addrs  []netip.AddrPort
	Feeler bool
	// Services holds, for each of Addrs, the services the book knows it
	// for (connmgr dials v2 first to those with protocol.SFNodeP2PV2).
	Services []protocol.ServiceFlag
}

// Add adds addresses that did not come from a peer's addr message: seeds,
// operator input, tests. Source is where they came from (the zero Addr for
// "ourselves"). The same rules as for gossip apply: unusable addresses are
// skipped.
type Add struct {
	Addrs  []protocol.NetAddress
	Source netip.Addr
}

// GetAddrs asks for a snapshot of the book, answered with *Addrs to ReplyTo
// (for the debug endpoint).
type GetAddrs struct {
	ReplyTo *actor.PID
}

// Addrs is a snapshot of the book: the tried entries, then the new ones.
type Addrs struct {
	List []Entry `json:"entries"`
	// New and Tried count the entries of each table.
	New   int `json:"new"`
	Tried int `json:"tried"`
	// Processed counts the gossiped addresses taken in since start;
	// RateLimited those dropped over a peer's token bucket.
	Processed   uint64 `json:"addr_processed"`
	RateLimited uint64 `json:"addr_rate_limited"`
}

// Entry is one address as the book knows it. Zero times mean "never".
type Entry struct {
	// Addr is the address when it is an IP address.
	Addr netip.AddrPort `json:"addr"`
	// Network is "ipv4", "ipv6", "onion" (Tor v3), "i2p" or "cjdns", as
	// Core's getnodeaddresses names them.
	Network string `json:"network"`
	// Host is the address in text, for every network (a .onion or .b32.i2p
	// name for Tor and I2P).
	Host        string               `json:"host"`
	Services    protocol.ServiceFlag `json:"services"`
	Source      netip.Addr           `json:"source"`
	LastSeen    time.Time            `json:"last_seen"`
	LastTry     time.Time            `json:"last_try"`
	LastSuccess time.Time            `json:"last_success"`
	Attempts    int                  `json:"attempts"`
	// Tried is true for the tried table, false for the new one.
	Tried bool `json:"tried"`
}
