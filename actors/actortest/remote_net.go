package actortest

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/transport"
)

// DialRemote starts a scripted remote node at from (port 0: any free port)
// on net and dials to, where the node under test listens through its io
// replacement. It returns once the connection is open, failing the test if
// it is refused or not made within HandshakeTimeout. The remote is the
// outbound side: Handshake sends its version first.
//
// The remote runs in system as an actor with an io replacement of its own
// (host from.Addr()); both stop when the test ends.
func DialRemote(t TB, system *actor.ActorSystem, net *Network, from, to netip.AddrPort) *Remote {
	t.Helper()
	h := startRemoteHost(t, system, net, from.Addr(), &netDialFrom{dial: &transport.Dial{Addr: to}, local: from})
	select {
	case res := <-h.ready:
		if res.err != nil {
			t.Fatalf("actortest: remote %s: %v", from, res.err)
		}
		return res.remote
	case <-time.After(HandshakeTimeout):
		t.Fatalf("actortest: remote %s: dial %s: no answer within %v", from, to, HandshakeTimeout)
	}
	return nil
}

// RemoteListener accepts connections the node under test dials to a
// scripted remote on a Network; each becomes a Remote (the inbound side:
// Handshake waits for the node's version first).
type RemoteListener struct {
	addr netip.AddrPort
	host *remoteHost
}

// ListenRemote starts a scripted remote node listening on addr (port 0: a
// free port; see Addr) on net and returns once it listens, failing the test
// if it cannot. The listener and the remotes it accepts run in system and
// stop when the test ends.
func ListenRemote(t TB, system *actor.ActorSystem, net *Network, addr netip.AddrPort) *RemoteListener {
	t.Helper()
	h := startRemoteHost(t, system, net, addr.Addr(), &transport.Listen{Addr: addr})
	select {
	case res := <-h.ready:
		if res.err != nil {
			t.Fatalf("actortest: remote listener %s: %v", addr, res.err)
		}
		return &RemoteListener{addr: res.addr, host: h}
	case <-time.After(HandshakeTimeout):
		t.Fatalf("actortest: remote listener %s: no answer within %v", addr, HandshakeTimeout)
	}
	return nil
}

// Addr is the address the listener is bound to (port 0 resolved): have the
// node under test dial it.
func (l *RemoteListener) Addr() netip.AddrPort { return l.addr }

// Accept returns the Remote of the oldest connection accepted and not yet
// returned, waiting up to timeout for one; it fails the test if none comes.
func (l *RemoteListener) Accept(t TB, timeout time.Duration) *Remote {
	t.Helper()
	v, ok := l.host.accepted.take(func(any) bool { return true }, timeout)
	if !ok {
		t.Fatalf("actortest: remote listener %s: no connection within %v", l.addr, timeout)
		return nil
	}
	return v.(*Remote)
}

// Close stops the listener: its connections end and the address is free.
// It is idempotent and registered with t.Cleanup by ListenRemote.
func (l *RemoteListener) Close() { l.host.stop() }

// remoteHost is the actor behind DialRemote and ListenRemote. It spawns an
// io replacement of the Network as its child, sends it one Dial or Listen,
// and is the owner and the attached peer of every connection that results,
// each served by a Remote.
type remoteHost struct {
	t       TB
	system  *actor.ActorSystem
	net     *Network
	host    netip.Addr
	start   any // *netDialFrom or *transport.Listen
	pid     *actor.PID
	ready   chan hostReady
	stopped chan struct{}
	// accepted holds the Remotes of accepted connections for Accept.
	accepted *inbox

	// Touched only by the actor.
	io      *actor.PID
	remotes map[transport.ConnID]*Remote
}

// hostReady answers the constructor waiting in DialRemote or ListenRemote.
type hostReady struct {
	remote *Remote
	addr   netip.AddrPort
	err    error
}

func startRemoteHost(t TB, system *actor.ActorSystem, net *Network, host netip.Addr, start any) *remoteHost {
	h := &remoteHost{
		t:        t,
		system:   system,
		net:      net,
		host:     host,
		start:    start,
		ready:    make(chan hostReady, 1),
		stopped:  make(chan struct{}),
		accepted: newInbox(),
		remotes:  make(map[transport.ConnID]*Remote),
	}
	h.pid = system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return h }))
	t.Cleanup(h.stop)
	return h
}

// stop stops the host and its io, ending its connections, and waits (a few
// seconds at most).
func (h *remoteHost) stop() {
	select {
	case <-h.stopped:
		return
	default:
	}
	h.system.Root.Stop(h.pid)
	select {
	case <-h.stopped:
	case <-time.After(stopWait):
		h.t.Errorf("actortest: remote host %s: not stopped within %v", h.host, stopWait)
	}
}

// Receive handles one message.
func (h *remoteHost) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		h.started(ctx)
	case *actor.Stopped:
		h.finished()
	case *transport.Dialed:
		h.dialed(ctx, msg)
	case *transport.Listening:
		h.listening(msg)
	case *transport.Accepted:
		h.acceptedConn(ctx, msg)
	case *transport.Received:
		h.received(ctx, msg)
	case *transport.Closed:
		h.closed(msg)
	}
}

func (h *remoteHost) started(ctx actor.Context) {
	h.io = ctx.Spawn(h.net.Props(h.host))
	switch start := h.start.(type) {
	case *netDialFrom:
		dial := *start.dial
		dial.Owner = ctx.Self()
		ctx.Send(h.io, &netDialFrom{dial: &dial, local: start.local})
	case *transport.Listen:
		listen := *start
		listen.Owner = ctx.Self()
		ctx.Send(h.io, &listen)
	}
}

func (h *remoteHost) dialed(ctx actor.Context, msg *transport.Dialed) {
	if msg.Err != nil {
		h.ready <- hostReady{err: msg.Err}
		return
	}
	r := h.serve(ctx, msg.Conn, msg.Local, msg.Addr, true)
	h.ready <- hostReady{remote: r}
}

func (h *remoteHost) listening(msg *transport.Listening) {
	h.ready <- hostReady{addr: msg.Addr, err: msg.Err}
}

func (h *remoteHost) acceptedConn(ctx actor.Context, msg *transport.Accepted) {
	h.accepted.put(h.serve(ctx, msg.Conn, msg.Local, msg.Remote, false))
}

// serve makes the Remote of conn and attaches the host to it.
func (h *remoteHost) serve(ctx actor.Context, conn transport.ConnID, local, remote netip.AddrPort, outbound bool) *Remote {
	c := &netConn{root: ctx.ActorSystem().Root, io: h.io, conn: conn}
	r := newRemote(h.t, h.net.magic, local, remote, outbound, c)
	h.remotes[conn] = r
	ctx.Send(h.io, &transport.Attach{Conn: conn, Peer: ctx.Self()})
	return r
}

func (h *remoteHost) received(ctx actor.Context, msg *transport.Received) {
	var replies []byte
	if r, ok := h.remotes[msg.Conn]; ok {
		replies = r.handle(msg.Frames)
	}
	ctx.Send(h.io, &transport.Send{Conn: msg.Conn, Data: replies, Ack: msg})
}

func (h *remoteHost) closed(msg *transport.Closed) {
	if r, ok := h.remotes[msg.Conn]; ok {
		delete(h.remotes, msg.Conn)
		r.box.close(msg.Reason)
	}
}

// finished runs when the host has stopped: its io stopped first, so every
// connection has ended.
func (h *remoteHost) finished() {
	for id, r := range h.remotes {
		delete(h.remotes, id)
		r.box.close(fmt.Errorf("actortest: remote host stopped: %w", transport.ErrStopped))
	}
	close(h.stopped)
}

// netConn sends a Remote's bytes through its host's io replacement.
type netConn struct {
	root *actor.RootContext
	io   *actor.PID
	conn transport.ConnID
}

func (c *netConn) write(data []byte) error {
	c.root.Send(c.io, &transport.Send{Conn: c.conn, Data: data})
	return nil
}

func (c *netConn) close(reason error) {
	c.root.Send(c.io, &transport.Close{Conn: c.conn, Reason: reason})
}
