package actortest

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/transport"
)

// Port ranges the Network hands out: listeners asking for port 0 get one
// from the first range, dialers' local ports come from the second
// (the IANA dynamic range, as a kernel would).
const (
	firstListenPort    = 20000
	firstEphemeralPort = 49152
)

// Errors the Network gives besides the transport package's (ErrStopped,
// ErrCloseRequested) and the framing errors of the transport deframer.
var (
	// ErrViolation marks the errors Violations returns.
	ErrViolation = errors.New("actortest: io contract violation")
)

// Network is an in-memory network standing in for the io actor of the
// transport package, so that several nodes run in one process with no
// sockets. Each node gets its own io replacement from Props; connections
// between them carry bytes, cut into frames by the transport package's own
// deframer and delivered as *transport.Received, under the same contract as
// the real io (see Props).
//
// Connections are identified network-wide: each end of a connection has its
// own transport.ConnID, unique in the Network, known to its own node's io.
//
// A Network is safe for concurrent use: nodes may run in one actor system
// or in several, on any goroutines. Its state is guarded by a mutex; what it
// posts to an actor it posts with that actor's own system, remembered per
// node when its io replacement starts.
type Network struct {
	magic       uint32
	v2          bool // WithV2
	recvLimit   int
	sendLimit   int
	sendTimeout time.Duration

	mu        sync.Mutex
	listeners map[netip.AddrPort]*listener
	halves    map[transport.ConnID]*half
	// localUse counts the connection ends by local address, so that
	// picking a free port and checking one take constant time however many
	// connections the network holds (simulations hold 100,000).
	localUse   map[netip.AddrPort]int
	nextConn   transport.ConnID
	nextListen map[netip.Addr]uint16
	nextEphem  map[netip.Addr]uint16
	violations []error
}

// listener is one Listen: connections dialed to addr are accepted by ep and
// announced to owner.
type listener struct {
	addr  netip.AddrPort
	owner *actor.PID
	ep    *endpoint
}

// endpoint is one node's io replacement: the actor, and the system's root
// context the Network posts to it with.
type endpoint struct {
	host netip.Addr
	pid  *actor.PID
	root *actor.RootContext
	// stopped is set, under the Network's lock, when the actor stops or
	// restarts: nothing is posted to it afterwards.
	stopped bool
	// limits are the io's transport.AcceptLimits; inbound counts its
	// accepted ends open, undecided those not attached nor closed yet.
	limits             transport.AcceptLimits
	inbound, undecided int
	// backlog holds the dialed ends not accepted yet because inbound was at
	// limits.MaxInbound or undecided at limits.MaxUndecided, oldest first,
	// as a kernel's listen backlog does.
	backlog []backlogged
}

// backlogged is a connection end waiting in an io's backlog, and the
// owner of the listener it was dialed to.
type backlogged struct {
	h     *half
	owner *actor.PID
}

// half is one end of a connection, owned by the io of ep. Its fields are
// guarded by the Network's mutex.
type half struct {
	id      transport.ConnID
	ep      *endpoint
	other   *half
	local   netip.AddrPort
	remote  netip.AddrPort
	inbound bool
	owner   *actor.PID
	peer    *actor.PID
	// in holds received bytes not yet cut into frames: everything until the
	// half is attached, then a trailing partial frame.
	in []byte
	// read is how many leading bytes of in this end's io has read: a
	// trailing partial frame, taken while attached and under the receive
	// limit. The rest of in, and inTransit, are still the other end's send
	// queue, as bytes a socket has not read stay in the sender's.
	read int
	// inTransit counts the bytes sent to this end that have not reached its
	// io yet.
	inTransit int
	// outstanding are the Received posted to peer and not acknowledged,
	// with the buffer their payloads alias; unacked is what they count
	// against the receive limit.
	outstanding map[*transport.Received][]byte
	unacked     int
	// sendPaused is set while this end's send queue (see queued) is above
	// the send limit and its peer was told SendPaused.
	sendPaused bool
	// stallTimer is set while a check of the send timeout is pending;
	// progress is when the other end last took bytes of this end's queue
	// (or the queue began to fill).
	stallTimer bool
	progress   time.Time
	// eof is the reason of a close by the other end, set when it came while
	// this end still held input its peer has not had: the close is reported
	// once that input is delivered, as a socket reads its data before EOF.
	eof error
	// closing is set when the connection is closing: sends on it are
	// dropped. The half stays known until its own io has reported the close,
	// so bytes already on their way to it are still delivered.
	closing bool
	// stopRead is set when this end's io closed the connection (Close, a
	// framing error): like a closed socket, it reads nothing more.
	stopRead bool
	bytesIn  uint64
	bytesOut uint64
	// accepted: an inbound end posted as Accepted, counted in its
	// endpoint's inbound; undecided: accepted and neither attached nor
	// closed yet; waiting: in its endpoint's backlog (owner nil until it is
	// accepted, so a close while it waits is reported to nobody).
	accepted, undecided, waiting bool
	// v2 is the BIP324 state while the end may speak v2 (netv2.go).
	v2 *halfV2
}

// NetworkOption changes a Network's defaults.
type NetworkOption func(*Network)

// WithRecvLimit sets the receive limit of every connection end, in bytes
// counting transport.MessageOverhead per frame, as transport.Config's
// RecvLimit does for io. Zero or less means transport.DefaultRecvLimit.
func WithRecvLimit(bytes int) NetworkOption {
	return func(n *Network) {
		if bytes > 0 {
			n.recvLimit = bytes
		}
	}
}

// WithSendLimit sets the send limit of every connection end, in queued
// bytes, as transport.Config's SendLimit does for io. Zero or less means
// transport.DefaultSendLimit.
func WithSendLimit(bytes int) NetworkOption {
	return func(n *Network) {
		if bytes > 0 {
			n.sendLimit = bytes
		}
	}
}

// WithSendTimeout sets how long a connection end's send queue may hold
// bytes with none of them taken by the other end before the end is closed
// with transport.ErrSendTimeout, as transport.Config's SendTimeout does for
// io. Zero or less means transport.DefaultSendTimeout.
func WithSendTimeout(d time.Duration) NetworkOption {
	return func(n *Network) {
		if d > 0 {
			n.sendTimeout = d
		}
	}
}

// NewNetwork returns an empty network whose nodes speak the network with
// message start magic (protocol.Params.Magic).
func NewNetwork(magic uint32, opts ...NetworkOption) *Network {
	n := &Network{
		magic:       magic,
		recvLimit:   transport.DefaultRecvLimit,
		sendLimit:   transport.DefaultSendLimit,
		sendTimeout: transport.DefaultSendTimeout,
		listeners:   make(map[netip.AddrPort]*listener),
		halves:      make(map[transport.ConnID]*half),
		localUse:    make(map[netip.AddrPort]int),
		nextListen:  make(map[netip.Addr]uint16),
		nextEphem:   make(map[netip.Addr]uint16),
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// queued is h's send queue: the bytes it sent that the other end's io has
// not read, on their way or held there.
func (h *half) queued() int {
	o := h.other
	return o.inTransit + len(o.in) - o.read
}

// Magic is the message start the network's io replacements accept.
func (n *Network) Magic() uint32 { return n.magic }

// ConnInfo describes one end of an open connection, for assertions.
type ConnInfo struct {
	// Conn is this end's id, known to the io of Local's node.
	Conn transport.ConnID
	// Other is the id of the connection's other end.
	Other transport.ConnID
	// Local and Remote are this end's address and the other end's.
	Local, Remote netip.AddrPort
	// Inbound is true for the accepting end.
	Inbound bool
	// Owner gets *transport.Closed; Peer, once attached, gets everything.
	Owner, Peer *actor.PID
	// Held is the number of received bytes not yet delivered: all of them
	// until the end is attached, then a trailing partial frame.
	Held int
	// Unacked is the number of *transport.Received posted to Peer and not
	// yet acknowledged.
	Unacked int
	// BytesIn and BytesOut count the bytes received and sent by this end.
	BytesIn, BytesOut uint64
	// Closing is true once a close has begun and not yet reached this end.
	Closing bool
}

// Conns returns a snapshot of every connection end the network knows,
// ordered by Conn.
func (n *Network) Conns() []ConnInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]ConnInfo, 0, len(n.halves))
	for _, h := range n.halves {
		out = append(out, ConnInfo{
			Conn:     h.id,
			Other:    h.other.id,
			Local:    h.local,
			Remote:   h.remote,
			Inbound:  h.inbound,
			Owner:    h.owner,
			Peer:     h.peer,
			Held:     len(h.in),
			Unacked:  len(h.outstanding),
			BytesIn:  h.bytesIn,
			BytesOut: h.bytesOut,
			Closing:  h.closing,
		})
	}
	slices.SortFunc(out, func(a, b ConnInfo) int {
		switch {
		case a.Conn < b.Conn:
			return -1
		case a.Conn > b.Conn:
			return 1
		}
		return 0
	})
	return out
}

// Listeners returns the addresses listened on, sorted.
func (n *Network) Listeners() []netip.AddrPort {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(n.listeners))
	for addr := range n.listeners {
		out = append(out, addr)
	}
	slices.SortFunc(out, netip.AddrPort.Compare)
	return out
}

// Violations returns the breaches of the io contract the network has seen
// (a Received acknowledged twice or by a Send on another connection, a Send
// to the wrong node's io), each wrapping ErrViolation. A test of an actor
// that talks to io can assert it is empty at the end.
func (n *Network) Violations() []error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.violations)
}

// Drop resets the connection one of whose ends is conn, as a network failure
// would: both ends' peers and owners get *transport.Closed with a reason
// wrapping syscall.ECONNRESET. Bytes already sent are still delivered first.
// It reports whether the connection was open.
func (n *Network) Drop(conn transport.ConnID) bool {
	n.mu.Lock()
	h, ok := n.halves[conn]
	if !ok || h.closing {
		n.mu.Unlock()
		return false
	}
	reason := fmt.Errorf("actortest: connection dropped: %w", syscall.ECONNRESET)
	posts := n.closeLocked(h, reason, reason, false)
	n.mu.Unlock()
	posts.send()
	return true
}

// closeLocked begins closing h's connection: both ends stop sending, and
// each end's io is told to report the close with its reason (after what it
// already has to deliver). With drain set, the other end first delivers the
// input it holds, as after an orderly close of a socket; else it is
// dropped, as after a reset.
func (n *Network) closeLocked(h *half, here, there error, drain bool) posts {
	h.closing, h.other.closing = true, true
	var ps posts
	ps.toIO(h.ep, &netClosed{conn: h.id, reason: here})
	ps.toIO(h.other.ep, &netClosed{conn: h.other.id, reason: there, drain: drain})
	return ps
}

// remoteClosedError is the reason the far end of a closed connection sees:
// an EOF, as from a socket, that also says why the other side closed.
func remoteClosedError(reason error) error {
	return fmt.Errorf("actortest: closed by the remote end (%v): %w", reason, io.EOF)
}

// resetError is the reason the far end sees when the near end's io closed the
// connection for a framing error.
func resetError(reason error) error {
	return fmt.Errorf("actortest: reset by the remote end (%v): %w", reason, syscall.ECONNRESET)
}

// violationLocked records a breach of the io contract.
func (n *Network) violationLocked(format string, args ...any) {
	n.violations = append(n.violations, fmt.Errorf("%w: "+format, append([]any{ErrViolation}, args...)...))
}

// freePortLocked returns a port of host that no listener or connection end
// uses, counting up from first in the given counter map.
func (n *Network) freePortLocked(counters map[netip.Addr]uint16, host netip.Addr, first uint16) (uint16, error) {
	used := func(port uint16) bool {
		ap := netip.AddrPortFrom(host, port)
		_, listening := n.listeners[ap]
		return listening || n.localUse[ap] > 0
	}
	next := counters[host]
	if next < first {
		next = first
	}
	for range 1 << 16 {
		port := next
		next++
		if next < first { // wrapped past 65535
			next = first
		}
		if port != 0 && !used(port) {
			counters[host] = next
			return port, nil
		}
	}
	return 0, fmt.Errorf("actortest: no free port on %s: %w", host, syscall.EADDRNOTAVAIL)
}

// posts are messages to send once the Network's lock is released: posting
// while holding it could block on a bounded mailbox and stall every node.
type posts []post

type post struct {
	root *actor.RootContext
	pid  *actor.PID
	msg  any
}

// toIO adds msg for ep's io, unless it has stopped.
func (ps *posts) toIO(ep *endpoint, msg any) {
	if ep.stopped {
		return
	}
	*ps = append(*ps, post{root: ep.root, pid: ep.pid, msg: msg})
}

func (ps posts) send() {
	for _, p := range ps {
		p.root.Send(p.pid, p.msg)
	}
}
