package actortest

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// scribble is the byte an acknowledged Received's payloads are overwritten
// with, so that a peer keeping a payload past its acknowledgement (instead
// of copying it, as the io contract requires) reads garbage in tests rather
// than only in production.
const scribble = 0xA5

// Props returns the props of an io replacement for one node whose addresses
// are host:port. Spawn it where the node would spawn the transport
// package's io actor, once per node (a Props may be spawned again after the
// first actor stopped). It takes and emits the messages of
// transport/messages.go as io does:
//
//   - *transport.Listen: answers the Owner with *transport.Listening. The
//     address's host must be host or unspecified; port 0 picks a free port.
//     Every dial to the address then posts *transport.Accepted to the Owner.
//   - *transport.Dial: answers the Owner with *transport.Dialed. An address
//     nobody listens on is refused at once (an error wrapping
//     syscall.ECONNREFUSED). A listener always accepts, as a kernel's backlog
//     does, so Dial.Timeout never expires.
//   - *transport.Attach: from then on the connection's input goes to the
//     peer as *transport.Received, all complete frames of one delivery in
//     one message; bytes that arrived before are held until then. Attach for
//     a connection that has already ended is dropped and counted in
//     Stats.Stale, as io does: its owner has had the Closed.
//   - *transport.Send: Data goes to the other end, whose io cuts it into
//     frames with the transport package's deframer: a wrong magic or an
//     oversized length closes the connection as io does, a frame with a bad
//     checksum is dropped. Ack acknowledges a Received; its payloads are
//     then overwritten. While the bytes (plus transport.MessageOverhead per
//     frame) posted to a peer and not acknowledged reach the receive limit
//     (WithRecvLimit, transport.DefaultRecvLimit by default), further input
//     is held, as io stops reading the socket.
//   - Send limit: bytes sent on a connection and not yet taken by the other
//     end's io (held there before Attach or past its receive limit) are
//     the connection's send queue. When it passes the send limit
//     (WithSendLimit, transport.DefaultSendLimit by default) the peer gets
//     *transport.SendPaused, and *transport.SendResumed once the other end
//     takes enough of it. There are no socket buffers in between, so the
//     queue fills as soon as the other end stops reading. A queue that
//     holds bytes with none taken for the send timeout (WithSendTimeout,
//     transport.DefaultSendTimeout by default) closes the connection with
//     transport.ErrSendTimeout, counted in Stats.SendTimeouts.
//   - *transport.Close: the connection ends after what was sent is
//     delivered; both ends' peers and owners get *transport.Closed. This end
//     gets the Close reason (transport.ErrCloseRequested if none), the other
//     end an error wrapping io.EOF that names it, once its peer has had the
//     input it held (as a socket reads the data before the end of stream).
//     A Send, Attach or Close naming an ended connection is dropped and
//     counted in Stats.Stale.
//   - *transport.AcceptLimits: as io, while MaxInbound accepted ends are
//     open, or MaxUndecided of them are neither attached nor closed, new
//     ones wait, in order, as in a kernel's backlog (not counted in
//     Stats.Conns; bytes sent to them are held; nothing is dropped), and
//     are accepted once an end is decided or closed, or a larger cap
//     comes. One whose dialer closes while it waits is forgotten, reported
//     to nobody.
//   - BIP324: with WithV2 an accepted connection speaks v2 to a peer that
//     starts with a key (v1 to one that starts with a version message), and
//     a Dial with V2 set starts v2, as io does: bytes travel encrypted,
//     Sends are held until the handshake lets them be encrypted, the peer
//     and owner get *transport.Encrypted, a BIP324 fault closes the
//     connection, and a v2 dial that a v1 end hangs up on reports
//     Closed.ReconnectV1.
//   - *transport.GetStats: answered with *transport.Stats.
//   - *inspect.Describe: answered with *inspect.Description of kind "io".
//
// When the actor stops or restarts, its listeners go away and all its
// connections end: its own peers and owners get *transport.Closed with
// transport.ErrStopped, the other ends an error wrapping io.EOF.
//
// A peer that is also the connection's owner gets each *transport.Closed
// once. The contract is tested by package transport/iotest, for this
// network as for the io actors.
func (n *Network) Props(host netip.Addr) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &netIO{net: n, host: host.Unmap()}
	})
}

// netIO is the io replacement of one node. Its endpoint and the connection
// ends it owns live in the Network, under the Network's lock; the counters
// below are its own.
type netIO struct {
	net          *Network
	host         netip.Addr
	ep           *endpoint
	bytesRead    uint64
	bytesWritten uint64
	badChecksums uint64
	badCommands  uint64
	stale        uint64
	sendTimeouts uint64
	nAccepted    uint64
	nDialed      uint64
	// BIP324 counters, as io's Stats.V2*.
	v2Established, v2Failures, v2Decoys, v2Dropped uint64
}

// Messages between the io replacements of a Network.
type (
	// netAccepted tells the listener's io that conn was dialed.
	netAccepted struct {
		conn  transport.ConnID
		owner *actor.PID
	}
	// netDeliver carries bytes sent by the other end of conn.
	netDeliver struct {
		conn transport.ConnID
		data []byte
	}
	// netClosed tells conn's io to report its end with reason; with drain
	// set, after the input it holds is delivered.
	netClosed struct {
		conn   transport.ConnID
		reason error
		drain  bool
	}
	// netDrained tells conn's io that the other end took bytes of conn's
	// send queue: it may be back under the send limit.
	netDrained struct{ conn transport.ConnID }
	// netStallCheck asks conn's io to check its send timeout.
	netStallCheck struct{ conn transport.ConnID }
	// netDialFrom is a Dial from a chosen local address (port 0: any), used
	// by the scripted remotes of this package.
	netDialFrom struct {
		dial  *transport.Dial
		local netip.AddrPort
	}
)

// Receive handles one message.
func (a *netIO) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.started(ctx)
	case *actor.Stopping, *actor.Restarting:
		a.shutdown(ctx)
	case *transport.Listen:
		a.listen(ctx, msg)
	case *transport.Dial:
		a.dial(ctx, msg, netip.AddrPortFrom(a.host, 0))
	case *netDialFrom:
		a.dial(ctx, msg.dial, msg.local)
	case *transport.Attach:
		a.attach(ctx, msg)
	case *transport.Send:
		a.send(ctx, msg)
	case *transport.Close:
		a.close(ctx, msg)
	case *transport.GetStats:
		a.stats(ctx, msg)
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *netAccepted:
		a.accepted(ctx, msg)
	case *netDeliver:
		a.deliver(ctx, msg)
	case *netClosed:
		a.closed(ctx, msg)
	case *netDrained:
		a.drained(ctx, msg)
	case *netStallCheck:
		a.stallCheck(ctx, msg)
	case *transport.AcceptLimits:
		a.setLimits(msg)
	}
	a.admitBacklog()
}

func (a *netIO) started(ctx actor.Context) {
	a.ep = &endpoint{host: a.host, pid: ctx.Self(), root: ctx.ActorSystem().Root}
}

// shutdown ends every connection and listener of this node.
func (a *netIO) shutdown(ctx actor.Context) {
	n := a.net
	var local, remote posts
	n.mu.Lock()
	if a.ep.stopped {
		n.mu.Unlock()
		return
	}
	a.ep.stopped = true
	for addr, l := range n.listeners {
		if l.ep == a.ep {
			delete(n.listeners, addr)
		}
	}
	for id, h := range n.halves {
		if h.ep != a.ep {
			continue
		}
		n.forgetHalfLocked(h)
		local.closed(a.ep, &transport.Closed{Conn: id, Reason: transport.ErrStopped}, h.peer, h.owner)
		if o := h.other; o.ep != a.ep && !o.closing {
			o.closing = true
			remote.toIO(o.ep, &netClosed{conn: o.id, reason: remoteClosedError(transport.ErrStopped), drain: true})
		}
	}
	n.mu.Unlock()
	local.send()
	remote.send()
}

func (a *netIO) listen(ctx actor.Context, msg *transport.Listen) {
	owner := ownerOf(ctx, msg.Owner)
	bound, err := a.bind(msg.Addr, owner)
	if err != nil {
		err = fmt.Errorf("listen %s: %w", msg.Addr, err)
	}
	ctx.Send(owner, &transport.Listening{Requested: msg.Addr, Addr: bound, Err: err})
}

// bind registers a listener on addr for owner and returns the address bound.
func (a *netIO) bind(addr netip.AddrPort, owner *actor.PID) (netip.AddrPort, error) {
	host := addr.Addr().Unmap()
	if !host.IsValid() || host.IsUnspecified() {
		host = a.host
	}
	if host != a.host {
		return netip.AddrPort{}, fmt.Errorf("host is not %s: %w", a.host, syscall.EADDRNOTAVAIL)
	}
	n := a.net
	n.mu.Lock()
	defer n.mu.Unlock()
	port := addr.Port()
	if port == 0 {
		var err error
		if port, err = n.freePortLocked(n.nextListen, host, firstListenPort); err != nil {
			return netip.AddrPort{}, err
		}
	}
	bound := netip.AddrPortFrom(host, port)
	if _, taken := n.listeners[bound]; taken {
		return netip.AddrPort{}, syscall.EADDRINUSE
	}
	n.listeners[bound] = &listener{addr: bound, owner: owner, ep: a.ep}
	return bound, nil
}

func (a *netIO) dial(ctx actor.Context, msg *transport.Dial, local netip.AddrPort) {
	owner := ownerOf(ctx, msg.Owner)
	id, localAddr, err := a.connect(msg.Addr, local, owner, msg.V2)
	if err != nil {
		ctx.Send(owner, &transport.Dialed{Tag: msg.Tag, Addr: msg.Addr, Err: fmt.Errorf("dial %s: %w", msg.Addr, err)})
		return
	}
	a.nDialed++
	ctx.Send(owner, &transport.Dialed{Tag: msg.Tag, Addr: msg.Addr, Conn: id, Local: localAddr})
}

// connect opens a connection from local (port 0: any free port) to the
// listener on to, owned here by owner, and tells the listener's io.
func (a *netIO) connect(to, local netip.AddrPort, owner *actor.PID, v2 bool) (transport.ConnID, netip.AddrPort, error) {
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	n := a.net
	n.mu.Lock()
	l, ok := n.listeners[to]
	if !ok || l.ep.stopped {
		n.mu.Unlock()
		return 0, netip.AddrPort{}, syscall.ECONNREFUSED
	}
	host := local.Addr().Unmap()
	if !host.IsValid() || host.IsUnspecified() {
		host = a.host
	}
	port := local.Port()
	if port == 0 {
		var err error
		if port, err = n.freePortLocked(n.nextEphem, host, firstEphemeralPort); err != nil {
			n.mu.Unlock()
			return 0, netip.AddrPort{}, err
		}
	}
	from := netip.AddrPortFrom(host, port)
	if n.localUse[from] > 0 {
		n.mu.Unlock()
		return 0, netip.AddrPort{}, fmt.Errorf("local address %s: %w", from, syscall.EADDRINUSE)
	}
	out := n.newHalfLocked(a.ep, from, to, false, owner)
	in := n.newHalfLocked(l.ep, to, from, true, l.owner)
	out.other, in.other = in, out
	var ps posts
	ps.toIO(l.ep, &netAccepted{conn: in.id, owner: l.owner})
	if n.v2 {
		in.v2, _ = newHalfV2(n.magic, false) // without randomness: v1
	}
	if v2 {
		if out.v2, _ = newHalfV2(n.magic, true); out.v2 != nil {
			a.sendRawLocked(out, out.v2.s.Start(nil), &ps)
		}
	}
	n.mu.Unlock()
	ps.send()
	return out.id, from, nil
}

func (n *Network) newHalfLocked(ep *endpoint, local, remote netip.AddrPort, inbound bool, owner *actor.PID) *half {
	n.nextConn++
	h := &half{
		id:          n.nextConn,
		ep:          ep,
		local:       local,
		remote:      remote,
		inbound:     inbound,
		owner:       owner,
		outstanding: make(map[*transport.Received][]byte),
	}
	n.halves[h.id] = h
	n.localUse[local]++
	return h
}

// forgetHalfLocked removes h from the network's indexes and its io's
// inbound counts or backlog.
func (n *Network) forgetHalfLocked(h *half) {
	delete(n.halves, h.id)
	ep := h.ep
	decidedLocked(h)
	if h.accepted {
		h.accepted = false
		ep.inbound--
	}
	if h.waiting {
		h.waiting = false
		ep.backlog = slices.DeleteFunc(ep.backlog, func(b backlogged) bool { return b.h == h })
	}
	if c := n.localUse[h.local]; c > 1 {
		n.localUse[h.local] = c - 1
	} else {
		delete(n.localUse, h.local)
	}
}

func (a *netIO) accepted(ctx actor.Context, msg *netAccepted) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if !ok {
		n.mu.Unlock()
		return
	}
	if ep := a.ep; len(ep.backlog) > 0 || acceptFullLocked(ep) {
		// As a kernel's backlog: dialed, not accepted until a slot frees.
		h.waiting = true
		h.owner = nil
		ep.backlog = append(ep.backlog, backlogged{h: h, owner: msg.owner})
		n.mu.Unlock()
		return
	}
	ps := a.acceptLocked(h, msg.owner)
	n.mu.Unlock()
	ps.send()
}

// acceptLocked posts Accepted for h to owner; the caller checked that
// acceptFullLocked does not hold.
func (a *netIO) acceptLocked(h *half, owner *actor.PID) posts {
	ep := a.ep
	h.owner = owner
	h.accepted, h.undecided = true, true
	ep.inbound++
	ep.undecided++
	a.nAccepted++
	return posts{{root: ep.root, pid: owner, msg: &transport.Accepted{Conn: h.id, Remote: h.remote, Local: h.local}}}
}

// acceptFullLocked reports whether ep's accepted ends open reached its
// AcceptLimits.MaxInbound, or those undecided its MaxUndecided.
func acceptFullLocked(ep *endpoint) bool {
	return (ep.limits.MaxInbound > 0 && ep.inbound >= ep.limits.MaxInbound) ||
		(ep.limits.MaxUndecided > 0 && ep.undecided >= ep.limits.MaxUndecided)
}

// decidedLocked counts h, if it was an undecided accepted end, decided:
// attached or closed.
func decidedLocked(h *half) {
	if h.undecided {
		h.undecided = false
		h.ep.undecided--
	}
}

// setLimits takes the owner's AcceptLimits; larger caps let the backlog in
// (admitBacklog, after every message).
func (a *netIO) setLimits(msg *transport.AcceptLimits) {
	a.net.mu.Lock()
	a.ep.limits = *msg
	a.net.mu.Unlock()
}

// admitBacklog accepts the ends waiting in the backlog while the inbound
// and undecided caps allow. It runs after every message, once that message's own posts
// are out: an Accepted that a close made room for comes after that
// close's Closed. Only this io touches its backlog, and only under the
// Network's lock; the unlocked look is this io's own state.
func (a *netIO) admitBacklog() {
	ep := a.ep
	if ep == nil || len(ep.backlog) == 0 {
		return
	}
	n := a.net
	var ps posts
	n.mu.Lock()
	for len(ep.backlog) > 0 && !ep.stopped && !acceptFullLocked(ep) {
		b := ep.backlog[0]
		ep.backlog = ep.backlog[1:]
		b.h.waiting = false
		ps = append(ps, a.acceptLocked(b.h, b.owner)...)
	}
	n.mu.Unlock()
	ps.send()
}

// halfLocked returns conn's half, ok if there is one and it is this io's.
// A connection of another node's io is foreign: using it violates the
// contract, recorded here against op.
func (a *netIO) halfLocked(op string, conn transport.ConnID) (h *half, ok, foreign bool) {
	h, ok = a.net.halves[conn]
	if ok && h.ep != a.ep {
		a.net.violationLocked("%s %d: connection of another node's io", op, conn)
		return nil, false, true
	}
	return h, ok, false
}

func (a *netIO) attach(ctx actor.Context, msg *transport.Attach) {
	n := a.net
	n.mu.Lock()
	h, ok, foreign := a.halfLocked("attach", msg.Conn)
	if foreign {
		n.mu.Unlock()
		return
	}
	if !ok || h.stopRead {
		a.stale++
		n.mu.Unlock()
		return
	}
	decidedLocked(h)
	h.peer = msg.Peer
	paused := h.sendPaused
	var ev v2Event
	var vps posts
	if h.v2 != nil && len(h.v2.raw) > 0 {
		ev = a.receiveV2Locked(h, nil, &vps)
	}
	if ev.err != nil {
		h.stopRead = true
		h.in, h.read = nil, 0
		if !h.closing {
			vps = append(vps, n.closeLocked(h, ev.err, resetError(ev.err), false)...)
		}
		n.mu.Unlock()
		vps.send()
		return
	}
	rcv, ps := a.frameLocked(h)
	ps = append(vps, ps...)
	n.mu.Unlock()
	if paused {
		ctx.Send(msg.Peer, &transport.SendPaused{Conn: msg.Conn})
	}
	postEncrypted(ctx, ev.encrypted, msg.Peer, h.owner)
	a.post(ctx, msg.Peer, rcv)
	ps.send()
}

func (a *netIO) send(ctx actor.Context, msg *transport.Send) {
	n := a.net
	var rcv *transport.Received
	var ps posts
	n.mu.Lock()
	h, ok, foreign := a.halfLocked("send", msg.Conn)
	if foreign {
		n.mu.Unlock()
		return
	}
	if ok && msg.Ack != nil {
		rcv, ps = a.ackLocked(h, msg.Ack)
	}
	if !ok {
		a.stale++
	}
	paused := false
	data := msg.Data
	if ok && len(data) > 0 && !h.closing && h.v2 != nil {
		var err error
		if data, err = a.encodeV2Locked(h, data); err != nil {
			h.stopRead = true
			ps = append(ps, n.closeLocked(h, fmt.Errorf("v2 transport: send: %w", err), remoteClosedError(err), false)...)
			data = nil
		}
	}
	if ok && len(data) > 0 && !h.closing {
		a.sendRawLocked(h, data, &ps)
		if !h.sendPaused && h.queued() > n.sendLimit {
			h.sendPaused = true
			paused = h.peer != nil
		}
	}
	var peer *actor.PID
	if ok {
		peer = h.peer
	}
	n.mu.Unlock()
	a.post(ctx, peer, rcv)
	if paused {
		ctx.Send(peer, &transport.SendPaused{Conn: msg.Conn})
	}
	ps.send()
}

// ackLocked retires an acknowledged Received and, if input was held for the
// receive limit, cuts and returns the next batch.
func (a *netIO) ackLocked(h *half, ack *transport.Received) (*transport.Received, posts) {
	buf, ok := h.outstanding[ack]
	if !ok || ack.Conn != h.id {
		a.net.violationLocked("ack on %d: Received of %d not outstanding (acknowledged twice, or on another connection)", h.id, ack.Conn)
		return nil, nil
	}
	delete(h.outstanding, ack)
	h.unacked -= cost(ack)
	for i := range buf {
		buf[i] = scribble
	}
	return a.frameLocked(h)
}

// cost is what r counts against its connection's receive limit, as io
// counts it.
func cost(r *transport.Received) int { return r.Size + transport.MessageOverhead*len(r.Frames) }

func (a *netIO) deliver(ctx actor.Context, msg *netDeliver) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if !ok {
		n.mu.Unlock()
		return
	}
	h.inTransit -= len(msg.data)
	if h.stopRead {
		n.mu.Unlock()
		return
	}
	h.bytesIn += uint64(len(msg.data))
	a.bytesRead += uint64(len(msg.data))
	var ev v2Event
	var vps posts
	switch {
	case h.v2 != nil && h.peer == nil:
		// As io reads no socket before Attach, the Session waits too.
		h.v2.raw = append(h.v2.raw, msg.data...)
	case h.v2 != nil:
		ev = a.receiveV2Locked(h, msg.data, &vps)
	case len(h.in) == 0:
		h.in = msg.data
	default:
		h.in = append(h.in, msg.data...)
	}
	if ev.err != nil {
		h.stopRead = true
		h.in, h.read = nil, 0
		if !h.closing {
			vps = append(vps, n.closeLocked(h, ev.err, resetError(ev.err), false)...)
		}
		n.mu.Unlock()
		vps.send()
		return
	}
	rcv, ps := a.frameLocked(h)
	ps = append(vps, ps...)
	if len(h.in) > h.read {
		n.watchStallLocked(h.other)
	}
	peer := h.peer
	n.mu.Unlock()
	postEncrypted(ctx, ev.encrypted, peer, h.owner)
	a.post(ctx, peer, rcv)
	ps.send()
}

// frameLocked reads what h holds, as io reads a socket, if h is attached
// and under the receive limit: it cuts complete frames into a Received for
// h's peer until their cost reaches the limit. A framing error closes the
// connection, after the frames cut before it. What it read leaves the
// other end's send queue, whose io is told when that may end its pause; a
// close by the other end waiting for h's input is reported once none is
// left. The returned posts carry those messages.
func (a *netIO) frameLocked(h *half) (*transport.Received, posts) {
	if h.peer == nil || h.stopRead {
		return nil, nil
	}
	n := a.net
	buf := h.in
	var frames []transport.Frame
	used, wire := 0, 0
	full := false // stopped at the receive limit
	var ferr error
	for len(buf)-used >= protocol.HeaderSize {
		if h.unacked+wire+transport.MessageOverhead*len(frames) >= n.recvLimit {
			full = true
			break
		}
		rest := buf[used:]
		// One frame at a time, so that reading stops at the limit.
		size := len(rest)
		if l := binary.LittleEndian.Uint32(rest[16:20]); l <= protocol.MaxPayloadSize && protocol.HeaderSize+int(l) < size {
			size = protocol.HeaderSize + int(l)
		}
		d, err := transport.Deframe(rest[:size], n.magic, frames)
		frames = d.Frames
		a.badChecksums += uint64(d.BadChecksums)
		a.badCommands += uint64(d.BadCommands)
		used += d.Used
		wire += d.Wire
		if err != nil {
			ferr = err
			break
		}
		if d.Used == 0 {
			break // an incomplete frame
		}
	}
	var ps posts
	switch {
	case ferr != nil:
		h.stopRead = true
		h.in, h.read = nil, 0
		if !h.closing {
			ps = n.closeLocked(h, ferr, resetError(ferr), false)
		}
	case used < len(buf):
		if used > 0 {
			h.in = append([]byte(nil), buf[used:]...)
		}
		h.read = len(h.in)
		if full {
			h.read = 0
		}
	default:
		h.in, h.read = nil, 0
	}
	if used > 0 {
		h.other.progress = time.Now()
	}
	var rcv *transport.Received
	if len(frames) > 0 {
		rcv = &transport.Received{Conn: h.id, Frames: frames, Size: wire}
		h.outstanding[rcv] = buf[:used:used]
		h.unacked += cost(rcv)
	}
	if o := h.other; o.sendPaused && o.queued() <= n.sendLimit {
		ps.toIO(o.ep, &netDrained{conn: o.id})
	}
	if h.eof != nil && ferr == nil && !full {
		ps = append(ps, a.closedPostsLocked(h, h.eof)...)
	}
	return rcv, ps
}

// closedPostsLocked forgets h and returns the Closed its peer and owner
// are to get.
func (a *netIO) closedPostsLocked(h *half, reason error) posts {
	a.net.forgetHalfLocked(h)
	var ps posts
	ps.closed(a.ep, &transport.Closed{Conn: h.id, Reason: reason, ReconnectV1: h.reconnectV1()}, h.peer, h.owner)
	return ps
}

// closeHereLocked closes h on this io's initiative (a Close, the send
// timeout): h stops reading, its peer and owner get Closed with reason, and
// the other end gets an end of stream after what it holds.
func (a *netIO) closeHereLocked(h *half, reason error) posts {
	h.stopRead = true
	return a.net.closeLocked(h, reason, remoteClosedError(reason), true)
}

// post sends rcv, if any, to peer.
func (a *netIO) post(ctx actor.Context, peer *actor.PID, rcv *transport.Received) {
	if rcv != nil && peer != nil {
		ctx.Send(peer, rcv)
	}
}

func (a *netIO) close(ctx actor.Context, msg *transport.Close) {
	reason := msg.Reason
	if reason == nil {
		reason = transport.ErrCloseRequested
	}
	n := a.net
	n.mu.Lock()
	h, ok, _ := a.halfLocked("close", msg.Conn)
	if !ok {
		a.stale++
	} else {
		decidedLocked(h)
	}
	if ok && h.eof != nil && !h.stopRead {
		// The other end has closed; this end was delivering what it held
		// before reporting that. Closing it now ends that, as closing a
		// socket discards what it has not read.
		h.stopRead = true
		ps := a.closedPostsLocked(h, reason)
		n.mu.Unlock()
		ps.send()
		return
	}
	if !ok || h.closing {
		n.mu.Unlock()
		return
	}
	ps := a.closeHereLocked(h, reason)
	n.mu.Unlock()
	ps.send()
}

func (a *netIO) closed(ctx actor.Context, msg *netClosed) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if !ok {
		n.mu.Unlock()
		return
	}
	if msg.drain && !h.stopRead && h.peer != nil && len(h.in) > h.read {
		// Input is held for the peer: the end of stream comes after it.
		// (An end not attached yet is closed at once: its owner learns it
		// without attaching. The epoll io, which does not read such a
		// socket, sees the close only after an Attach.)
		h.eof = msg.reason
		n.mu.Unlock()
		return
	}
	n.forgetHalfLocked(h)
	retry := h.reconnectV1()
	n.mu.Unlock()
	var ps posts
	ps.closed(a.ep, &transport.Closed{Conn: msg.conn, Reason: msg.reason, ReconnectV1: retry}, h.peer, h.owner)
	ps.send()
}

// drained ends the send pause of conn if its queue is back under the limit.
func (a *netIO) drained(ctx actor.Context, msg *netDrained) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	resume := ok && h.sendPaused && h.queued() <= n.sendLimit
	if resume {
		h.sendPaused = false
	}
	n.mu.Unlock()
	if resume && h.peer != nil {
		ctx.Send(h.peer, &transport.SendResumed{Conn: msg.conn})
	}
}

// watchStallLocked makes sure the send timeout of h, whose queue holds
// bytes the other end does not take (it is not attached, or past its
// receive limit), is checked: as io watches a queue only once a write left
// bytes in it, a connection whose bytes are taken as they come costs no
// timer.
func (n *Network) watchStallLocked(h *half) {
	if h.stallTimer || h.closing {
		return
	}
	h.stallTimer = true
	h.progress = time.Now()
	n.checkStallAfter(h, n.sendTimeout)
}

// checkStallAfter has h's io check h's send timeout after d, unless that
// io has stopped by then.
func (n *Network) checkStallAfter(h *half, d time.Duration) {
	ep, conn := h.ep, h.id
	time.AfterFunc(d, func() {
		n.mu.Lock()
		var ps posts
		ps.toIO(ep, &netStallCheck{conn: conn})
		n.mu.Unlock()
		ps.send()
	})
}

// stallCheck closes conn with transport.ErrSendTimeout if its send queue
// has held bytes, none taken, for the send timeout (Core's "socket sending
// timeout"); else it checks again while bytes remain.
func (a *netIO) stallCheck(ctx actor.Context, msg *netStallCheck) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if !ok || h.ep != a.ep {
		n.mu.Unlock()
		return
	}
	h.stallTimer = false
	queued := h.queued()
	if h.closing || queued == 0 {
		n.mu.Unlock()
		return
	}
	at := h.progress.Add(n.sendTimeout)
	if wait := time.Until(at); wait > 0 {
		h.stallTimer = true
		n.checkStallAfter(h, wait)
		n.mu.Unlock()
		return
	}
	a.sendTimeouts++
	reason := fmt.Errorf("%w: %d bytes unread for %v", transport.ErrSendTimeout, queued, n.sendTimeout)
	ps := a.closeHereLocked(h, reason)
	n.mu.Unlock()
	ps.send()
}

func (a *netIO) stats(ctx actor.Context, msg *transport.GetStats) {
	s := &transport.Stats{
		BytesRead:    a.bytesRead,
		BytesWritten: a.bytesWritten,
		BadChecksums: a.badChecksums,
		BadCommands:  a.badCommands,
		Stale:        a.stale,
		SendTimeouts: a.sendTimeouts,
		Accepted:     a.nAccepted,
		Dialed:       a.nDialed,

		V2Established: a.v2Established,
		V2Failures:    a.v2Failures,
		V2Decoys:      a.v2Decoys,
		V2Dropped:     a.v2Dropped,
	}
	n := a.net
	n.mu.Lock()
	s.Inbound, s.Undecided = a.ep.inbound, a.ep.undecided
	for _, l := range n.listeners {
		if l.ep == a.ep {
			s.Listeners++
		}
	}
	for _, h := range n.halves {
		if h.ep != a.ep || h.waiting {
			continue
		}
		s.Conns++
		s.BytesQueued += h.queued()
		s.InFlight += len(h.outstanding)
		if h.unacked >= n.recvLimit {
			s.ReadsPaused++
		}
		if h.sendPaused {
			s.SendsPaused++
		}
	}
	n.mu.Unlock()
	ctx.Send(ownerOf(ctx, msg.ReplyTo), s)
}

func (a *netIO) describe(ctx actor.Context, msg *inspect.Describe) {
	n := a.net
	var listening []string
	conns := 0
	n.mu.Lock()
	for addr, l := range n.listeners {
		if l.ep == a.ep {
			listening = append(listening, addr.String())
		}
	}
	for _, h := range n.halves {
		if h.ep == a.ep && !h.waiting {
			conns++
		}
	}
	n.mu.Unlock()
	ctx.Send(ownerOf(ctx, msg.ReplyTo), &inspect.Description{
		Self: ctx.Self(),
		Kind: "io",
		Summary: map[string]any{
			"network":   "memory",
			"host":      a.host.String(),
			"listening": listening,
			"conns":     conns,
			"bytesRead": a.bytesRead,
			"bytesSent": a.bytesWritten,
		},
	})
}

// closed adds c for the connection's peer and owner, once to each PID,
// sent from ep's io (whether or not it has stopped).
func (ps *posts) closed(ep *endpoint, c *transport.Closed, peer, owner *actor.PID) {
	if peer != nil {
		*ps = append(*ps, post{root: ep.root, pid: peer, msg: c})
	}
	if owner != nil && !owner.Equal(peer) {
		*ps = append(*ps, post{root: ep.root, pid: owner, msg: c})
	}
}

// ownerOf is pid, or the message's sender when pid is nil.
func ownerOf(ctx actor.Context, pid *actor.PID) *actor.PID {
	if pid != nil {
		return pid
	}
	return ctx.Sender()
}
