package transport

import (
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// ConnID names one connection for its whole life: generation<<32 | descriptor.
// A reply that names a closed connection whose descriptor has been reused
// carries the old generation and is dropped.
type ConnID uint64

// Frame is one complete, checksum-verified message read from the wire.
// Payload aliases a buffer owned by the Received that carries it: it is valid
// until the receiver acknowledges that Received (see Send.Ack).
type Frame struct {
	// Command is the message's command name ("version", "ping", ...).
	// Known commands are interned, so building it does not allocate.
	Command string
	// Payload is the message body, without the 24-byte header.
	Payload []byte
	// Checksum is the header's checksum, verified against Payload. A reply
	// whose payload equals this frame's (a pong to a ping) reuses it
	// instead of hashing again.
	Checksum [4]byte
}

// Listen asks io to listen for TCP connections on Addr. io answers the Owner
// with *Listening, then posts *Accepted to the Owner for every connection.
type Listen struct {
	Addr  netip.AddrPort
	Owner *actor.PID
}

// Listening answers Listen: Addr is the address really bound (port 0 resolved),
// Err is set when the listener could not be opened.
type Listening struct {
	Requested netip.AddrPort
	Addr      netip.AddrPort
	Err       error
}

// Accepted tells a listener's Owner that an inbound connection arrived. io does
// not read from it until it is attached; the Owner attaches it or closes it.
type Accepted struct {
	Conn   ConnID
	Remote netip.AddrPort
	Local  netip.AddrPort
}

// AcceptLimits is the admission snapshot the owner of io's listeners (the
// connection manager) gives io, at start and whenever it changes, so that io
// bounds the accepted sockets it holds without asking. It is only a cap: who
// is admitted, refused or evicted stays the owner's decision (Attach or
// Close). The zero value of a field means no cap; a later AcceptLimits
// replaces the earlier one.
//
//   - MaxUndecided bounds the accepted connections io has posted as
//     *Accepted and that are neither attached nor closed yet.
//   - MaxInbound bounds the accepted connections open (undecided, attached
//     or closing).
//
// While either cap is reached io does not accept at all (the epoll io takes
// its listeners out of the poll set): connections wait in the kernel's
// listen backlog, not in io's descriptors, until one is decided or closed
// or a larger cap arrives. No connection is closed for a cap: like Core,
// which accepts only as fast as it decides, io accepts only as fast as the
// owner decides. Dials are never capped: outbound connections are the
// owner's own decisions.
//
// So the descriptors io holds for inbound connections never exceed
// MaxInbound, whatever the rate of connections: the owner sets it to its
// inbound slots plus MaxUndecided, which leaves room for the undecided
// connections it may evict for.
type AcceptLimits struct {
	MaxUndecided int
	MaxInbound   int
}

// Dial asks io to open an outbound connection without blocking. io answers the
// Owner with *Dialed, carrying Tag so the Owner can match it.
type Dial struct {
	Tag     uint64
	Addr    netip.AddrPort
	Timeout time.Duration
	Owner   *actor.PID
	// V2 opens the connection with BIP324's v2 transport, as initiator:
	// io sends our key at once, holds Sends until the handshake lets it
	// encrypt them, and reports Closed.ReconnectV1 when the peer seems to
	// speak v1 only. Set it for peers that advertise protocol.SFNodeP2PV2.
	V2 bool
}

// Dialed answers Dial. On success Conn is open (writable, not yet read from)
// and owned by Owner: io posts *Closed to the Owner when it ends.
type Dialed struct {
	Tag   uint64
	Addr  netip.AddrPort
	Conn  ConnID
	Local netip.AddrPort
	Err   error
}

// Attach hands a connection's input to Peer: from now on io posts *Received,
// *SendPaused, *SendResumed and *Closed for Conn to Peer. Bytes may be sent on
// a connection before it is attached.
type Attach struct {
	Conn ConnID
	Peer *actor.PID
}

// Received carries every complete frame of one read of one connection. Its
// receiver must acknowledge it exactly once, by sending io a *Send whose Ack is
// this value (with or without data); until then its frames count against the
// connection's receive limit and their payloads stay valid.
type Received struct {
	Conn   ConnID
	Frames []Frame
	// Size is the number of wire bytes (headers included) these frames took.
	Size int
	// Pool, when set, is where io recycles this value once acknowledged.
	// Doubles that build a Received by hand leave it nil.
	Pool any
	// Out, when not nil, is an empty buffer from io's pool, recycled from
	// bytes already written. The receiver may append its replies to it and
	// send it back as the acknowledging Send's Data, sparing an allocation;
	// or ignore it. It stays valid after the acknowledgement only as that
	// Data.
	Out []byte

	// buf backs the frames' payloads; io recycles it on acknowledgement.
	buf []byte
	// cost is what this value counts against its connection's receive
	// limit: Size plus MessageOverhead per frame.
	cost int
}

// Send asks io to write Data, one or more complete frames, to Conn. Data
// becomes io's: the sender must not touch it again. Ack, when set, acknowledges
// a Received (see there). A Send for a closed or unknown connection is dropped.
type Send struct {
	Conn ConnID
	Data []byte
	Ack  *Received
}

// Close asks io to close Conn after writing what is queued (bounded by a short
// deadline). io then posts *Closed to the connection's peer and owner.
type Close struct {
	Conn   ConnID
	Reason error
}

// Closed tells a connection's peer and owner that it has ended, and why.
// Reason is the Close reason when someone asked for it, else what io saw
// (EOF, reset, a framing error such as ErrBadMagic).
type Closed struct {
	Conn   ConnID
	Reason error
	// ReconnectV1 is Core's V2Transport::ShouldReconnectV1: a connection
	// dialled with Dial.V2 closed before any byte of the peer's arrived,
	// after we had sent at least a v1 header's worth. The peer probably
	// speaks v1 only; Core dials it again, once, with v1.
	ReconnectV1 bool
}

// Encrypted tells a connection's owner and peer that its BIP324 handshake
// completed: from now on it speaks v2 (getpeerinfo's transport_protocol_type
// "v2"), with SessionID. A connection for which io never posts it speaks v1.
type Encrypted struct {
	Conn      ConnID
	SessionID [32]byte
}

// SendPaused tells a peer that Conn's send queue passed the send limit: the
// peer stops work that produces output for it (Core's fPauseSend).
type SendPaused struct{ Conn ConnID }

// SendResumed tells a peer that Conn's send queue drained below the limit.
type SendResumed struct{ Conn ConnID }

// GetStats asks io for a snapshot of its counters, answered with *Stats to
// ReplyTo.
type GetStats struct{ ReplyTo *actor.PID }

// StatsReplyTo makes GetStats a StatsRequest.
func (m *GetStats) StatsReplyTo() *actor.PID { return m.ReplyTo }

// StatsRequest is any message that asks io for a *Stats snapshot, answered
// to StatsReplyTo (or to the sender when that is nil). GetStats is one; the
// actor tree's describe request (package actors/inspect, which transport
// cannot import) is another, so that io answers it too.
type StatsRequest interface{ StatsReplyTo() *actor.PID }

// Stats is io's snapshot.
type Stats struct {
	// Listeners and Conns are the open listening and connected sockets.
	Listeners int
	Conns     int
	// BytesQueued is the bytes sent to io and not yet written, over all
	// connections.
	BytesQueued int
	// BytesRead and BytesWritten count socket bytes since io started.
	BytesRead    uint64
	BytesWritten uint64
	// Wakeups counts the times the loop was woken from sleep through its
	// eventfd (the portable build leaves it 0).
	Wakeups uint64
	// BadChecksums counts frames dropped for a checksum mismatch.
	BadChecksums uint64

	// BadCommands counts frames dropped for malformed command bytes.
	BadCommands uint64
	// Stale counts messages dropped because they named a closed or unknown
	// connection.
	Stale uint64
	// InFlight is the number of Receiveds posted and not yet acknowledged.
	InFlight int
	// ReadsPaused is the number of connections whose reading is stopped by
	// the receive limit.
	ReadsPaused int
	// SendsPaused is the number of connections above the send limit.
	SendsPaused int
	// Accepted and Dialed count connections opened each way since start
	// (Accepted: posted as *Accepted).
	Accepted, Dialed uint64
	// Inbound is the accepted connections open (undecided, attached or
	// closing), which AcceptLimits.MaxInbound bounds; Undecided those of
	// them neither attached nor closed yet (AcceptLimits.MaxUndecided).
	Inbound, Undecided int
	// AcceptPauses counts the times a listener stopped accepting for
	// Config.AcceptPause because accept failed (out of file descriptors).
	AcceptPauses uint64
	// SendTimeouts counts connections closed with ErrSendTimeout.
	SendTimeouts uint64

	// V2Established counts BIP324 handshakes completed, V2Failures v2
	// connections closed for a transport error (no terminator, a packet
	// too large or failing authentication, a v1 peer of another network).
	V2Established, V2Failures uint64
	// V2Decoys counts decoy packets received and ignored, V2Dropped v2
	// messages dropped for an empty, unknown or malformed message type.
	V2Decoys, V2Dropped uint64
	// V2KeysInline counts keys the loop had to make itself because none
	// was ready.
	V2KeysInline uint64
}
