package actortest

import (
	"fmt"
	"net/netip"
	"syscall"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/inspect"
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
//     a connection that has already ended answers the peer with
//     *transport.Closed (ErrUnknownConn).
//   - *transport.Send: Data goes to the other end, whose io cuts it into
//     frames with the transport package's deframer: a wrong magic or an
//     oversized length closes the connection as io does, a frame with a bad
//     checksum is dropped. Ack acknowledges a Received; its payloads are
//     then overwritten. While the bytes (plus transport.MessageOverhead per
//     frame) posted to a peer and not acknowledged reach
//     transport.DefaultRecvLimit, further input is held, as io stops
//     reading the socket.
//   - *transport.Close: the connection ends after what was sent is
//     delivered; both ends' peers and owners get *transport.Closed. This end
//     gets the Close reason (transport.ErrCloseRequested if none), the other
//     end an error wrapping io.EOF that names it.
//   - *transport.GetStats: answered with *transport.Stats.
//   - *inspect.Describe: answered with *inspect.Description of kind "io".
//
// When the actor stops or restarts, its listeners go away and all its
// connections end: its own peers and owners get *transport.Closed with
// transport.ErrStopped, the other ends an error wrapping io.EOF.
//
// A peer that is also the connection's owner gets each *transport.Closed
// once. *transport.SendPaused and *transport.SendResumed are never sent:
// the network has no send queue.
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
	// netClosed tells conn's io to report its end with reason.
	netClosed struct {
		conn   transport.ConnID
		reason error
	}
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
	}
}

func (a *netIO) started(ctx actor.Context) {
	a.ep = &endpoint{host: a.host, pid: ctx.Self(), root: ctx.ActorSystem().Root}
}

// shutdown ends every connection and listener of this node.
func (a *netIO) shutdown(ctx actor.Context) {
	n := a.net
	var local []*transport.Closed
	var peers [][2]*actor.PID
	var remote posts
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
		local = append(local, &transport.Closed{Conn: id, Reason: transport.ErrStopped})
		peers = append(peers, [2]*actor.PID{h.peer, h.owner})
		if o := h.other; o.ep != a.ep && !o.closing {
			o.closing = true
			remote.toIO(o.ep, &netClosed{conn: o.id, reason: remoteClosedError(transport.ErrStopped)})
		}
	}
	n.mu.Unlock()
	for i, c := range local {
		notifyClosed(ctx, c, peers[i][0], peers[i][1])
	}
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
	id, localAddr, err := a.connect(msg.Addr, local, owner)
	if err != nil {
		ctx.Send(owner, &transport.Dialed{Tag: msg.Tag, Addr: msg.Addr, Err: fmt.Errorf("dial %s: %w", msg.Addr, err)})
		return
	}
	ctx.Send(owner, &transport.Dialed{Tag: msg.Tag, Addr: msg.Addr, Conn: id, Local: localAddr})
}

// connect opens a connection from local (port 0: any free port) to the
// listener on to, owned here by owner, and tells the listener's io.
func (a *netIO) connect(to, local netip.AddrPort, owner *actor.PID) (transport.ConnID, netip.AddrPort, error) {
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

// forgetHalfLocked removes h from the network's indexes.
func (n *Network) forgetHalfLocked(h *half) {
	delete(n.halves, h.id)
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
	var accepted *transport.Accepted
	if ok {
		accepted = &transport.Accepted{Conn: h.id, Remote: h.remote, Local: h.local}
	}
	n.mu.Unlock()
	if ok {
		ctx.Send(msg.owner, accepted)
	}
}

func (a *netIO) attach(ctx actor.Context, msg *transport.Attach) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.Conn]
	if ok && h.ep != a.ep {
		n.violationLocked("attach %d: connection of another node's io", msg.Conn)
		ok = false
	}
	if !ok {
		n.mu.Unlock()
		ctx.Send(msg.Peer, &transport.Closed{Conn: msg.Conn, Reason: ErrUnknownConn})
		return
	}
	h.peer = msg.Peer
	rcv, ps := a.frameLocked(h)
	n.mu.Unlock()
	a.post(ctx, msg.Peer, rcv)
	ps.send()
}

func (a *netIO) send(ctx actor.Context, msg *transport.Send) {
	n := a.net
	var rcv *transport.Received
	var ps posts
	n.mu.Lock()
	h, ok := n.halves[msg.Conn]
	if ok && h.ep != a.ep {
		n.violationLocked("send %d: connection of another node's io", msg.Conn)
		ok = false
	}
	if ok && msg.Ack != nil {
		rcv, ps = a.ackLocked(h, msg.Ack)
	}
	if ok && len(msg.Data) > 0 && !h.closing {
		h.bytesOut += uint64(len(msg.Data))
		a.bytesWritten += uint64(len(msg.Data))
		ps.toIO(h.other.ep, &netDeliver{conn: h.other.id, data: msg.Data})
	}
	var peer *actor.PID
	if ok {
		peer = h.peer
	}
	n.mu.Unlock()
	a.post(ctx, peer, rcv)
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
	for i := range buf {
		buf[i] = scribble
	}
	return a.frameLocked(h)
}

func (a *netIO) deliver(ctx actor.Context, msg *netDeliver) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if !ok || h.stopRead {
		n.mu.Unlock()
		return
	}
	h.bytesIn += uint64(len(msg.data))
	a.bytesRead += uint64(len(msg.data))
	if len(h.in) == 0 {
		h.in = msg.data
	} else {
		h.in = append(h.in, msg.data...)
	}
	rcv, ps := a.frameLocked(h)
	peer := h.peer
	n.mu.Unlock()
	a.post(ctx, peer, rcv)
	ps.send()
}

// frameLocked cuts the complete frames h holds into a Received for its peer,
// if it is attached and under the receive limit. A framing error closes the
// connection, after the frames cut before it: the returned posts tell both
// ends' io.
func (a *netIO) frameLocked(h *half) (*transport.Received, posts) {
	if h.peer == nil || len(h.in) == 0 || h.stopRead || a.unackedLocked(h) >= transport.DefaultRecvLimit {
		return nil, nil
	}
	buf := h.in
	d, err := transport.Deframe(buf, a.net.magic, nil)
	a.badChecksums += uint64(d.BadChecksums)
	var ps posts
	switch {
	case err != nil:
		h.stopRead = true
		h.in = nil
		if !h.closing {
			ps = a.net.closeLocked(h, err, resetError(err))
		}
	case d.Used == 0: // only a partial frame: keep it as it is
	case d.Used < len(buf):
		h.in = append([]byte(nil), buf[d.Used:]...)
	default:
		h.in = nil
	}
	if len(d.Frames) == 0 { // nothing complete, or only frames dropped
		return nil, ps
	}
	rcv := &transport.Received{Conn: h.id, Frames: d.Frames, Size: d.Wire}
	h.outstanding[rcv] = buf[:d.Used:d.Used]
	return rcv, ps
}

// unackedLocked is what h's outstanding Received count against the receive
// limit: their wire bytes plus transport.MessageOverhead per frame.
func (a *netIO) unackedLocked(h *half) int {
	total := 0
	for rcv := range h.outstanding {
		total += rcv.Size + len(rcv.Frames)*transport.MessageOverhead
	}
	return total
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
	h, ok := n.halves[msg.Conn]
	if ok && h.ep != a.ep {
		n.violationLocked("close %d: connection of another node's io", msg.Conn)
		ok = false
	}
	if !ok || h.closing {
		n.mu.Unlock()
		return
	}
	h.stopRead = true
	ps := n.closeLocked(h, reason, remoteClosedError(reason))
	n.mu.Unlock()
	ps.send()
}

func (a *netIO) closed(ctx actor.Context, msg *netClosed) {
	n := a.net
	n.mu.Lock()
	h, ok := n.halves[msg.conn]
	if ok {
		n.forgetHalfLocked(h)
	}
	n.mu.Unlock()
	if ok {
		notifyClosed(ctx, &transport.Closed{Conn: msg.conn, Reason: msg.reason}, h.peer, h.owner)
	}
}

func (a *netIO) stats(ctx actor.Context, msg *transport.GetStats) {
	s := &transport.Stats{
		BytesRead:    a.bytesRead,
		BytesWritten: a.bytesWritten,
		BadChecksums: a.badChecksums,
	}
	n := a.net
	n.mu.Lock()
	for _, l := range n.listeners {
		if l.ep == a.ep {
			s.Listeners++
		}
	}
	for _, h := range n.halves {
		if h.ep == a.ep {
			s.Conns++
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
		if h.ep == a.ep {
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

// notifyClosed posts c to the connection's peer and owner, once to each PID.
func notifyClosed(ctx actor.Context, c *transport.Closed, peer, owner *actor.PID) {
	if peer != nil {
		ctx.Send(peer, c)
	}
	if owner != nil && !owner.Equal(peer) {
		ctx.Send(owner, c)
	}
}

// ownerOf is pid, or the message's sender when pid is nil.
func ownerOf(ctx actor.Context, pid *actor.PID) *actor.PID {
	if pid != nil {
		return pid
	}
	return ctx.Sender()
}
