//go:build linux && !transport_portable

package transport

import (
	"fmt"
	"io"
	"net/netip"
	"time"
	"unsafe"

	"github.com/actornode/actornode/protocol/bip324"
	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Props returns the props of an io actor configured by cfg, with its own
// dispatcher: the actor's mailbox runs on its epoll loop's goroutine. Spawn
// the returned value once; each io actor needs its own Props.
func Props(cfg Config) *actor.Props {
	cfg = cfg.withDefaults()
	l := newLoop(cfg)
	return actor.PropsFromProducer(func() actor.Actor { return newIOActor(l) },
		actor.WithDispatcher(l))
}

// connState is where a connection is in its life.
type connState uint8

const (
	connDialing connState = iota + 1 // non-blocking connect in progress
	connOpen                         // connected: reads once attached, writes
	connClosing                      // Close asked: writing what is queued, then closing
	connClosed                       // closed; kept only by stale references
)

// listenBacklog is the accept queue asked of listen(2); the kernel caps it at
// net.core.somaxconn.
const listenBacklog = 4096

// acceptBatch bounds the accepts of one listener per loop turn, so a flood of
// connections does not starve the others; epoll reports the rest next turn.
const acceptBatch = 256

// maxIovecs bounds the buffers of one writev (IOV_MAX is 1024).
const maxIovecs = 1024

// maxIdleQueue is the largest send queue backing array (in entries) a
// drained connection keeps.
const maxIdleQueue = 16

// maxFreeReceived bounds the recycled Received values io keeps, and
// maxKeptFrames the Frames capacity a recycled one keeps.
const (
	maxFreeReceived = 1024
	maxKeptFrames   = 64
)

// outHint and outMaxClass select the pooled buffer handed out as
// Received.Out: at least outHint bytes (or the batch's size), at most
// 2^outMaxClass.
const (
	outHint     = 256
	outMaxClass = 16
)

// conn is one TCP connection. Only the loop goroutine touches it.
type conn struct {
	id     ConnID
	fd     int
	events uint32 // interest registered with epoll; 0 means not registered
	state  connState

	// Flags, kept together: readPaused, unacked reached the receive limit;
	// dirty, in ioActor.dirty (flush this turn); wantOut, a write left
	// bytes (EPOLLOUT armed); sendPaused, queued passed the send limit and
	// the peer was told SendPaused; stallTimer, a timerStall is pending for
	// the queue; inbound, accepted and counted in ioActor.inbound;
	// undecided, accepted and neither attached nor closed yet.
	readPaused, dirty, wantOut, sendPaused, stallTimer, inbound, undecided bool

	owner  *actor.PID // Listen.Owner or Dial.Owner: told Closed
	peer   *actor.PID // set by Attach: told Received, SendPaused/Resumed, Closed
	remote netip.AddrPort

	// Read side.
	partial []byte // bytes of a trailing partial frame (smaller than the read buffer)
	unacked int    // cost of Receiveds posted and not acknowledged
	posts   int    // Receiveds posted and not acknowledged

	// Write side.
	queue  [][]byte // Data of Sends, in order; queue[qi][head:] is next
	qi     int
	head   int
	queued int // unwritten bytes in queue

	// rare holds what only some connections need (nil until then).
	rare *connRare
	// v2 is the BIP324 state while the connection may speak v2 (nil for
	// v1; see v2conn.go).
	v2 *v2conn
}

// connRare is the part of a connection's state that only some connections
// need, some of the time: an idle connection does without these words.
type connRare struct {
	// big holds a frame larger than the read buffer, being filled: bigSize
	// is the frame's size, header included; big grows towards it as bytes
	// arrive (see growBig); bigHave is the bytes of it filled.
	big     []byte
	bigHave int
	bigSize int
	// stallSince is when the queue last made progress while bytes
	// remained, in Unix nanoseconds (set only when a write leaves bytes, so
	// an idle connection never reads the clock).
	stallSince int64
	// dialTag is Dial.Tag of an outbound connection; closeReason the
	// reason of a close waiting for the queue to drain.
	dialTag     uint64
	closeReason error
	// dialV2 is Dial.V2: the dial's connection starts BIP324 as initiator.
	dialV2 bool
}

// extra returns c's rare state, made at the first need.
func (c *conn) extra() *connRare {
	if c.rare == nil {
		c.rare = new(connRare)
	}
	return c.rare
}

// listener is one listening socket.
type listener struct {
	id     ConnID
	fd     int
	owner  *actor.PID
	addr   netip.AddrPort
	paused bool // out of descriptors: not accepting until its timer fires
	capped bool // inbound connections at AcceptLimits.MaxInbound: not accepting until one closes
	polled bool // in the epoll set (neither paused nor capped)
}

// fdEntry is what io keeps per descriptor number.
type fdEntry struct {
	c *conn
	l *listener
}

// ioActor is one incarnation of the io actor. It runs on its loop's
// goroutine; a restart closes every socket and makes a fresh one.
type ioActor struct {
	l    *loop
	cfg  Config
	log  *zap.Logger
	sys  *actor.ActorSystem
	self *actor.PID

	fds        []fdEntry // by descriptor
	conns      int
	listeners  int
	lns        []*listener // the open listeners
	limits     AcceptLimits
	inbound    int // accepted connections open
	undecided  int // accepted connections neither attached nor closed
	dirty      []*conn
	timers     timerHeap
	inflight   int // Receiveds posted to peers and not acknowledged, over all connections
	readPaused int
	sendPaused int
	queued     int // unwritten bytes over all connections

	rbuf    []byte           // the shared read buffer
	frames  []Frame          // scratch for Deframe
	msgs    []bip324.Message // scratch for bip324.Session.Received
	iov     []unix.Iovec
	pool    bufPool
	rcvFree []*Received

	bytesRead, bytesWritten uint64
	badChecksums            uint64
	badCommands             uint64
	stale                   uint64
	accepted, dialed        uint64
	acceptPauses            uint64
	sendTimeouts            uint64
	// BIP324 counters (Stats.V2*) and the maker of ready keys.
	v2Established, v2Failures uint64
	v2Decoys, v2Dropped       uint64
	v2KeysInline              uint64
	keyMaker                  *keyMaker
	// lastAcceptLog is when the out-of-descriptors condition was last
	// logged; acceptQuiet counts the pauses since, not logged.
	lastAcceptLog time.Time
	acceptQuiet   uint64
}

func newIOActor(l *loop) *ioActor {
	return &ioActor{l: l, cfg: l.cfg, log: l.cfg.Logger}
}

// Receive handles io's messages, on the loop goroutine.
func (a *ioActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Send:
		a.send(m)
	case *keysAgreed:
		a.agreed(m)
	case *Attach:
		a.attach(m)
	case *Close:
		a.closeReq(m)
	case *Dial:
		a.dial(m)
	case *Listen:
		a.listen(m)
	case *AcceptLimits:
		a.setLimits(m)
	case StatsRequest:
		a.getStats(ctx, m.StatsReplyTo())
	case *actor.Started:
		a.started(ctx)
	case *actor.Stopping:
		a.closeAll(ErrStopped)
	case *actor.Restarting:
		a.closeAll(ErrStopped)
		a.detach()
	case *actor.Stopped:
		a.closeAll(ErrStopped)
		a.detach()
		if a.l.owner.Equal(a.self) {
			a.l.quit = true // the loop ends with the actor it serves
		}
	case *loopFailed:
		panic(m.err)
	default:
		a.log.Debug("io: unexpected message", zap.String("type", fmt.Sprintf("%T", m)))
	}
}

// started binds this incarnation to the loop.
func (a *ioActor) started(ctx actor.Context) {
	a.sys, a.self = ctx.ActorSystem(), ctx.Self()
	a.l.mu.Lock()
	state, openErr := a.l.state, a.l.openErr
	a.l.mu.Unlock()
	if state == loopBroken {
		panic(openErr)
	}
	if a.l.owner != nil && !a.l.owner.Equal(a.self) {
		panic(fmt.Errorf("%w: already serving %v", ErrSpawnedTwice, a.l.owner))
	}
	a.l.owner = a.self
	a.l.cur = a
	a.rbuf = make([]byte, ReadBufferSize)
	a.log.Debug("io started")
}

// detach unbinds this incarnation from the loop.
func (a *ioActor) detach() {
	if a.l.cur == a {
		a.l.cur = nil
	}
	a.pool.drop()
	a.rcvFree = nil
	a.stopKeyMaker()
}

func (a *ioActor) root() *actor.RootContext { return a.sys.Root }

// post sends msg to pid, if any.
func (a *ioActor) post(pid *actor.PID, msg any) {
	if pid != nil {
		a.sys.Root.Send(pid, msg)
	}
}

// connOf returns the live connection named by id, or nil.
func (a *ioActor) connOf(id ConnID) *conn {
	fd := int(uint32(id))
	if fd >= len(a.fds) {
		return nil
	}
	c := a.fds[fd].c
	if c == nil || c.id != id {
		return nil
	}
	return c
}

// register records a descriptor's owner.
func (a *ioActor) register(fd int, e fdEntry) {
	for fd >= len(a.fds) {
		a.fds = append(a.fds, fdEntry{})
	}
	a.fds[fd] = e
}

func (a *ioActor) newID(fd int) ConnID {
	return ConnID(uint64(a.l.nextGen())<<32 | uint64(uint32(fd)))
}

// ---- listening and accepting ----

func (a *ioActor) listen(m *Listen) {
	l, err := a.openListener(m)
	if err != nil {
		a.log.Warn("io: listen failed", zap.Stringer("addr", m.Addr), zap.Error(err))
		a.post(m.Owner, &Listening{Requested: m.Addr, Err: err})
		return
	}
	a.log.Debug("io: listening", zap.Stringer("addr", l.addr))
	a.post(m.Owner, &Listening{Requested: m.Addr, Addr: l.addr})
}

func (a *ioActor) openListener(m *Listen) (*listener, error) {
	sa, family, err := sockaddrOf(m.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %v: %w", m.Addr, err)
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("listen %v: socket: %w", m.Addr, err)
	}
	fail := func(op string, err error) (*listener, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("listen %v: %s: %w", m.Addr, op, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt SO_REUSEADDR", err)
	}
	if family == unix.AF_INET6 {
		// IPv6 only, as Core binds: [::] and 0.0.0.0 on the same port are
		// two listeners, not one dual-stack socket that blocks the other.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt IPV6_V6ONLY", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, listenBacklog); err != nil {
		return fail("listen", err)
	}
	l := &listener{id: a.newID(fd), fd: fd, owner: m.Owner, addr: localAddr(fd), capped: a.acceptFull()}
	if !l.capped {
		if err := a.ctl(unix.EPOLL_CTL_ADD, fd, l.id, unix.EPOLLIN); err != nil {
			return fail("epoll_ctl", err)
		}
		l.polled = true
	}
	a.register(fd, fdEntry{l: l})
	a.listeners++
	a.lns = append(a.lns, l)
	return l, nil
}

// setLimits takes the owner's AcceptLimits: listeners leave or rejoin the
// poll set as the new caps say.
func (a *ioActor) setLimits(m *AcceptLimits) {
	a.limits = *m
	a.log.Debug("io: accept limits", zap.Int("max_undecided", m.MaxUndecided), zap.Int("max_inbound", m.MaxInbound))
	a.capListeners()
}

// acceptFull reports whether io must not accept now: the accepted
// connections open reached AcceptLimits.MaxInbound, or those undecided
// reached AcceptLimits.MaxUndecided.
func (a *ioActor) acceptFull() bool {
	return (a.limits.MaxInbound > 0 && a.inbound >= a.limits.MaxInbound) ||
		(a.limits.MaxUndecided > 0 && a.undecided >= a.limits.MaxUndecided)
}

// capListeners takes every listener out of the poll set while acceptFull,
// and puts them back once not: meanwhile new connections wait in the
// kernel's backlog, not in our descriptors, and none is dropped.
func (a *ioActor) capListeners() {
	full := a.acceptFull()
	for _, l := range a.lns {
		if l.capped != full {
			l.capped = full
			a.pollListener(l)
		}
	}
}

// pollListener makes l's epoll registration match whether it accepts:
// neither resting after EMFILE nor capped.
func (a *ioActor) pollListener(l *listener) {
	want := !l.paused && !l.capped
	if want == l.polled {
		return
	}
	op := unix.EPOLL_CTL_DEL
	if want {
		op = unix.EPOLL_CTL_ADD
	}
	if err := a.ctl(op, l.fd, l.id, unix.EPOLLIN); err != nil {
		a.log.Error("io: epoll_ctl listener", zap.Stringer("addr", l.addr), zap.Bool("add", want), zap.Error(err))
		return
	}
	l.polled = want
}

// accept takes the waiting connections of l until EAGAIN, a batch, or a
// cap of AcceptLimits (then the listeners leave the poll set until a
// connection is decided or closed).
func (a *ioActor) accept(l *listener) {
	if !l.polled {
		return // taken out of the poll set after this event was reported
	}
	for range acceptBatch {
		if a.acceptFull() {
			a.capListeners()
			return
		}
		nfd, sa, err := unix.Accept4(l.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
		case err == unix.EAGAIN:
			return
		case err == unix.EINTR || err == unix.ECONNABORTED:
			continue
		default:
			// EMFILE, ENFILE, ENOBUFS, ENOMEM or worse: accepting again
			// at once would fail again, and level-triggered epoll would
			// spin on the waiting connection. Rest, then retry.
			a.pauseAccept(l, err)
			return
		}
		if err := unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			a.log.Debug("io: TCP_NODELAY on accepted socket", zap.Error(err))
		}
		c := &conn{id: a.newID(nfd), fd: nfd, state: connOpen, owner: l.owner, remote: addrPortOf(sa),
			inbound: true, undecided: true}
		a.register(nfd, fdEntry{c: c})
		a.conns++
		a.inbound++
		a.undecided++
		a.accepted++
		a.initInbound(c)
		a.post(l.owner, &Accepted{Conn: c.id, Remote: c.remote, Local: localAddr(nfd)})
	}
}

// decided counts c, if it was an undecided accepted connection, decided:
// attached or closed. The listeners rejoin the poll set if the undecided
// cap held them out and nothing else does.
func (a *ioActor) decided(c *conn) {
	if c.undecided {
		c.undecided = false
		a.undecided--
		if a.limits.MaxUndecided > 0 {
			a.capListeners()
		}
	}
}

// pauseAccept stops accepting on l for Config.AcceptPause after accept
// failed (EMFILE, ENFILE, ENOBUFS, ENOMEM): level-triggered epoll would
// otherwise report the waiting connection again at once and the loop would
// spin on failing accepts. The condition is logged at most once per
// AcceptLogInterval, with the number of pauses in between.
func (a *ioActor) pauseAccept(l *listener, err error) {
	now := time.Now()
	a.acceptPauses++
	if a.lastAcceptLog.IsZero() || now.Sub(a.lastAcceptLog) >= AcceptLogInterval {
		a.log.Warn("io: accept failed; pausing listener",
			zap.Stringer("addr", l.addr), zap.Duration("pause", a.cfg.AcceptPause),
			zap.Uint64("pauses_not_logged", a.acceptQuiet), zap.Error(err))
		a.lastAcceptLog = now
		a.acceptQuiet = 0
	} else {
		a.acceptQuiet++
	}
	l.paused = true
	a.pollListener(l)
	a.timers.add(timer{at: now.Add(a.cfg.AcceptPause), kind: timerAccept, id: l.id})
}

func (a *ioActor) resumeAccept(id ConnID) {
	fd := int(uint32(id))
	if fd >= len(a.fds) {
		return
	}
	l := a.fds[fd].l
	if l == nil || l.id != id || !l.paused {
		return
	}
	l.paused = false
	a.pollListener(l)
}

// ---- dialing ----

func (a *ioActor) dial(m *Dial) {
	fail := func(err error) {
		a.log.Debug("io: dial failed", zap.Stringer("addr", m.Addr), zap.Error(err))
		a.post(m.Owner, &Dialed{Tag: m.Tag, Addr: m.Addr, Err: err})
	}
	sa, family, err := sockaddrOf(m.Addr)
	if err != nil {
		fail(fmt.Errorf("dial %v: %w", m.Addr, err))
		return
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fail(fmt.Errorf("dial %v: socket: %w", m.Addr, err))
		return
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		a.log.Debug("io: TCP_NODELAY on dialed socket", zap.Error(err))
	}
	c := &conn{id: a.newID(fd), fd: fd, state: connDialing, owner: m.Owner, remote: m.Addr}
	c.extra().dialTag = m.Tag
	c.rare.dialV2 = m.V2
	err = unix.Connect(fd, sa)
	if err == unix.EINTR {
		err = unix.EINPROGRESS // an interrupted connect goes on in the background
	}
	switch err {
	case nil:
		a.register(fd, fdEntry{c: c})
		a.dialDone(c, nil)
	case unix.EINPROGRESS:
		a.register(fd, fdEntry{c: c})
		if err := a.ctl(unix.EPOLL_CTL_ADD, fd, c.id, unix.EPOLLOUT); err != nil {
			a.fds[fd] = fdEntry{}
			unix.Close(fd)
			fail(fmt.Errorf("dial %v: epoll_ctl: %w", m.Addr, err))
			return
		}
		c.events = unix.EPOLLOUT
		timeout := m.Timeout
		if timeout <= 0 {
			timeout = a.cfg.DialTimeout
		}
		a.timers.add(timer{at: time.Now().Add(timeout), kind: timerDial, id: c.id})
	default:
		unix.Close(fd)
		fail(fmt.Errorf("dial %v: connect: %w", m.Addr, err))
	}
}

// dialDone ends a dial: err nil means connected.
func (a *ioActor) dialDone(c *conn, err error) {
	if err != nil {
		if c.events != 0 {
			a.ctl(unix.EPOLL_CTL_DEL, c.fd, c.id, 0)
		}
		a.fds[c.fd] = fdEntry{}
		unix.Close(c.fd)
		c.state = connClosed
		a.log.Debug("io: dial failed", zap.Stringer("addr", c.remote), zap.Error(err))
		a.post(c.owner, &Dialed{Tag: c.extra().dialTag, Addr: c.remote, Err: err})
		return
	}
	c.state = connOpen
	a.conns++
	a.dialed++
	if c.extra().dialV2 {
		if err := a.newV2(c, true); err != nil {
			a.log.Warn("io: no BIP324 key for an outbound connection; dialled as v1", zap.Error(err))
			c.v2 = nil
		}
	}
	a.updateInterest(c)
	a.post(c.owner, &Dialed{Tag: c.extra().dialTag, Addr: c.remote, Conn: c.id, Local: localAddr(c.fd)})
}

// connectResult reads a finished non-blocking connect's outcome.
func connectResult(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("getsockopt SO_ERROR: %w", err)
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

// ---- attach, send, close ----

func (a *ioActor) attach(m *Attach) {
	c := a.connOf(m.Conn)
	if c == nil || c.state != connOpen {
		a.stale++
		return
	}
	a.decided(c)
	c.peer = m.Peer
	if c.sendPaused {
		a.post(c.peer, &SendPaused{Conn: c.id})
	}
	a.updateInterest(c)
}

func (a *ioActor) send(m *Send) {
	if m.Ack != nil {
		a.ack(m.Ack)
	}
	c := a.connOf(m.Conn)
	if c == nil || c.state != connOpen {
		if c == nil {
			a.stale++
		}
		a.pool.put(m.Data)
		return
	}
	if len(m.Data) == 0 {
		a.pool.put(m.Data)
		return
	}
	data := m.Data
	if c.v2 != nil {
		if data = a.sendV2(c, data); data == nil {
			return
		}
	}
	a.enqueue(c, data)
}

// enqueue appends data, bytes ready for the wire, to c's queue.
func (a *ioActor) enqueue(c *conn, data []byte) {
	c.queue = append(c.queue, data)
	c.queued += len(data)
	a.queued += len(data)
	if !c.dirty {
		c.dirty = true
		a.dirty = append(a.dirty, c)
	}
	if !c.sendPaused && c.queued > a.cfg.SendLimit {
		c.sendPaused = true
		a.sendPaused++
		a.post(c.peer, &SendPaused{Conn: c.id})
	}
}

// ack takes back a Received: its cost leaves the connection's receive
// budget (resuming reads below the limit) and io's own values are recycled.
func (a *ioActor) ack(r *Received) {
	if r.Pool != a {
		return // a hand-built value, or one from an earlier incarnation
	}
	if r.cost == 0 {
		return // acknowledged twice
	}
	if c := a.connOf(r.Conn); c != nil {
		c.unacked -= r.cost
		c.posts--
		a.inflight--
		if c.readPaused && c.unacked < a.cfg.RecvLimit {
			c.readPaused = false
			a.readPaused--
			a.updateInterest(c)
		}
	}
	a.pool.put(r.buf)
	frames := r.Frames[:0]
	if cap(frames) > maxKeptFrames {
		frames = nil // a flood's batch: do not keep its array for every reuse
	} else {
		clear(r.Frames)
	}
	*r = Received{Frames: frames}
	if len(a.rcvFree) < maxFreeReceived {
		a.rcvFree = append(a.rcvFree, r)
	}
}

func (a *ioActor) closeReq(m *Close) {
	c := a.connOf(m.Conn)
	if c == nil {
		a.stale++
		return
	}
	if c.state != connOpen {
		return
	}
	a.decided(c)
	reason := m.Reason
	if reason == nil {
		reason = ErrCloseRequested
	}
	if c.queued == 0 {
		a.closeConn(c, reason)
		return
	}
	// Write what is queued first, for at most CloseTimeout.
	c.state = connClosing
	c.extra().closeReason = reason
	a.updateInterest(c)
	if !c.dirty {
		c.dirty = true
		a.dirty = append(a.dirty, c)
	}
	a.timers.add(timer{at: time.Now().Add(a.cfg.CloseTimeout), kind: timerClose, id: c.id})
}

// closeConn closes c now and tells its peer and owner why.
func (a *ioActor) closeConn(c *conn, reason error) {
	if c.state == connClosed {
		return
	}
	if c.state == connDialing {
		a.dialDone(c, reason)
		return
	}
	c.state = connClosed
	// Closing the descriptor also removes it from the epoll set.
	unix.Close(c.fd)
	a.fds[c.fd] = fdEntry{}
	a.conns--
	a.inflight -= c.posts
	a.queued -= c.queued
	if c.readPaused {
		a.readPaused--
	}
	if c.sendPaused {
		a.sendPaused--
	}
	a.decided(c)
	if c.inbound {
		c.inbound = false
		a.inbound--
		if a.limits.MaxInbound > 0 {
			a.capListeners()
		}
	}
	for i, b := range c.queue[c.qi:] {
		a.pool.put(b)
		c.queue[c.qi+i] = nil
	}
	c.queue, c.qi, c.head, c.queued, c.posts, c.unacked = nil, 0, 0, 0, 0, 0
	a.pool.put(c.partial)
	c.partial, c.rare = nil, nil
	retryV1 := c.reconnectV1()
	c.v2 = nil
	a.log.Debug("io: connection closed", zap.Stringer("remote", c.remote), zap.Error(reason))
	msg := &Closed{Conn: c.id, Reason: reason, ReconnectV1: retryV1}
	a.post(c.peer, msg)
	if c.owner != nil && !c.owner.Equal(c.peer) {
		a.post(c.owner, msg)
	}
}

// closeAll closes every connection and listener, writing what it can of
// each queue first without waiting.
func (a *ioActor) closeAll(reason error) {
	a.lns = nil // closed below: no connection's close may put them back in the poll set
	for fd := range a.fds {
		e := a.fds[fd]
		switch {
		case e.c != nil:
			if e.c.state == connOpen || e.c.state == connClosing {
				a.write(e.c)
			}
			a.closeConn(e.c, reason)
		case e.l != nil:
			unix.Close(e.l.fd)
			a.fds[fd] = fdEntry{}
			a.listeners--
		}
	}
	a.dirty = a.dirty[:0]
	a.timers = a.timers[:0]
}

// ---- polling ----

// ctl registers, changes or removes a descriptor's interest; the event
// carries the generation so stale events are recognised.
func (a *ioActor) ctl(op, fd int, id ConnID, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: int32(uint32(id >> 32))}
	return unix.EpollCtl(a.l.epfd, op, fd, &ev)
}

// updateInterest makes c's epoll registration match what c waits for:
// reading while attached and under the receive limit, writing while a write
// left bytes. A socket waiting for nothing is not registered, so hang-ups of
// unattached or paused sockets do not wake the loop in vain.
func (a *ioActor) updateInterest(c *conn) {
	var want uint32
	switch c.state {
	case connDialing:
		want = unix.EPOLLOUT
	case connOpen:
		if c.peer != nil && !c.readPaused && (c.v2 == nil || !c.v2.agreeing) {
			want |= unix.EPOLLIN
		}
		if c.wantOut {
			want |= unix.EPOLLOUT
		}
	case connClosing:
		if c.wantOut {
			want |= unix.EPOLLOUT
		}
	}
	if want == c.events {
		return
	}
	op := unix.EPOLL_CTL_MOD
	switch {
	case c.events == 0:
		op = unix.EPOLL_CTL_ADD
	case want == 0:
		op = unix.EPOLL_CTL_DEL
	}
	if err := a.ctl(op, c.fd, c.id, want); err != nil {
		panic(fmt.Errorf("epoll_ctl %d on fd %d: %w", op, c.fd, err))
	}
	c.events = want
}

// event handles one readiness event of a socket.
func (a *ioActor) event(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd >= len(a.fds) {
		return
	}
	e := a.fds[fd]
	gen := uint32(ev.Pad)
	switch {
	case e.c != nil && uint32(e.c.id>>32) == gen:
		c := e.c
		switch c.state {
		case connDialing:
			if err := connectResult(c.fd); err != nil {
				a.dialDone(c, fmt.Errorf("dial %v: connect: %w", c.remote, err))
			} else {
				a.dialDone(c, nil)
			}
		case connOpen, connClosing:
			if ev.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 && c.wantOut && !c.dirty {
				c.dirty = true
				a.dirty = append(a.dirty, c)
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 && c.events&unix.EPOLLIN != 0 {
				a.read(c)
			}
		}
	case e.l != nil && uint32(e.l.id>>32) == gen:
		a.accept(e.l)
	}
}

// fireTimers handles the due timers.
func (a *ioActor) fireTimers() {
	if len(a.timers) == 0 {
		return
	}
	now := time.Now()
	for {
		t, ok := a.timers.popDue(now)
		if !ok {
			return
		}
		switch t.kind {
		case timerDial:
			if c := a.connOf(t.id); c != nil && c.state == connDialing {
				a.dialDone(c, fmt.Errorf("dial %v: %w", c.remote, ErrDialTimeout))
			}
		case timerClose:
			if c := a.connOf(t.id); c != nil && c.state == connClosing {
				a.closeConn(c, c.extra().closeReason)
			}
		case timerAccept:
			a.resumeAccept(t.id)
		case timerStall:
			if c := a.connOf(t.id); c != nil {
				a.checkStall(c, now)
			}
		}
	}
}

func (a *ioActor) nextTimer() (time.Time, bool) { return a.timers.next() }

// ---- reading ----

// read does one read of c and posts the complete frames it finished.
func (a *ioActor) read(c *conn) {
	if c.rare != nil && c.rare.big != nil {
		a.readBig(c)
		return
	}
	p := copy(a.rbuf, c.partial)
	n, err := unix.Read(c.fd, a.rbuf[p:])
	if !a.readOK(c, n, err) {
		return
	}
	data := a.rbuf[:p+n]
	if c.v2 != nil {
		res := a.receiveV2(c, data, nil)
		if res.closed {
			return
		}
		if !res.v1 {
			a.keepRest(c, data[res.used:], res.next)
			return
		}
	}
	d, ferr := Deframe(data, a.cfg.Magic, a.frames[:0])
	a.frames = d.Frames[:0]
	a.badChecksums += uint64(d.BadChecksums)
	a.badCommands += uint64(d.BadCommands)
	if len(d.Frames) > 0 {
		a.deliver(c, d.Frames, d.Wire, nil)
	}
	if ferr != nil {
		a.closeConn(c, ferr)
		return
	}
	a.keepRest(c, data[d.Used:], d.Next)
}

// keepRest keeps rest, the unconsumed bytes of c's input (the start of its
// next frame or packet), for the next read: in c's partial buffer, or in a
// buffer of its own when next, the size of that frame or packet, is beyond
// the read buffer.
func (a *ioActor) keepRest(c *conn, rest []byte, next int) {
	if c.partial != nil && (len(rest) == 0 || next > ReadBufferSize || cap(c.partial) < len(rest)) {
		a.pool.put(c.partial)
		c.partial = nil
	}
	switch {
	case next > ReadBufferSize:
		// A frame larger than the read buffer gets a buffer of its own,
		// grown as its bytes arrive up to the size its header announced
		// (at most MaxPayloadSize plus the header).
		r := c.extra()
		r.bigSize = next
		a.growBig(r, rest)
	case len(rest) > 0:
		if c.partial == nil {
			c.partial = a.pool.get(len(rest))
		}
		c.partial = append(c.partial[:0], rest...)
	}
}

// readBig reads into c's large-frame buffer and posts the frame once whole.
func (a *ioActor) readBig(c *conn) {
	r := c.rare
	if r.bigHave == len(r.big) {
		a.growBig(r, r.big[:r.bigHave])
	}
	n, err := unix.Read(c.fd, r.big[r.bigHave:])
	if !a.readOK(c, n, err) {
		return
	}
	r.bigHave += n
	if r.bigHave < r.bigSize {
		return
	}
	big := r.big
	r.big, r.bigHave, r.bigSize = nil, 0, 0
	if c.v2 != nil {
		// The buffer holds exactly the packet Next announced.
		res := a.receiveV2(c, big, big)
		if !res.closed && res.used < len(big) {
			a.closeConn(c, fmt.Errorf("v2 transport: %d bytes of a packet left unread", len(big)-res.used))
		}
		return
	}
	d, ferr := Deframe(big, a.cfg.Magic, a.frames[:0])
	a.frames = d.Frames[:0]
	a.badChecksums += uint64(d.BadChecksums)
	a.badCommands += uint64(d.BadCommands)
	if len(d.Frames) == 0 {
		a.pool.put(big)
	} else {
		a.deliver(c, d.Frames, d.Wire, big)
	}
	if ferr != nil {
		a.closeConn(c, ferr)
	}
}

// growBig gives r a larger buffer for its big frame holding have, its bytes
// so far: RecvAhead bytes at first, then twice the last, never more than the
// frame (Core's V1Transport::readData allocates 256 KiB ahead of the data,
// into a vector whose capacity doubles). A remote announcing a large frame
// thus costs memory as it sends it, not as it announces it.
func (a *ioActor) growBig(r *connRare, have []byte) {
	want := min(r.bigSize, max(len(have)+1, RecvAhead, 2*cap(r.big)))
	b := a.pool.get(want)
	b = b[:min(cap(b), r.bigSize)]
	r.bigHave = copy(b, have)
	if r.big != nil {
		a.pool.put(r.big)
	}
	r.big = b
}

// readOK handles a read's outcome: it reports whether n bytes arrived, and
// closes c on end of stream or error.
func (a *ioActor) readOK(c *conn, n int, err error) bool {
	switch {
	case err == nil && n > 0:
		a.bytesRead += uint64(n)
		return true
	case err == nil:
		a.closeConn(c, fmt.Errorf("read: %w", io.EOF))
	case errIsTemporary(err):
	default:
		a.closeConn(c, fmt.Errorf("read: %w", err))
	}
	return false
}

// deliver posts frames to c's peer as one Received. Their payloads are
// copied into one pooled buffer, unless backing (a whole-frame buffer that
// becomes the Received's) already holds them.
func (a *ioActor) deliver(c *conn, frames []Frame, wire int, backing []byte) {
	r := a.newReceived()
	if backing != nil {
		r.buf = backing
		r.Frames = append(r.Frames, frames...)
	} else {
		total := 0
		for i := range frames {
			total += len(frames[i].Payload)
		}
		buf := a.pool.get(total)
		for _, f := range frames {
			off := len(buf)
			buf = append(buf, f.Payload...)
			r.Frames = append(r.Frames, Frame{Command: f.Command, Payload: buf[off:len(buf):len(buf)], Checksum: f.Checksum})
		}
		r.buf = buf
	}
	clear(frames)
	r.Conn = c.id
	r.Size = wire
	r.cost = wire + MessageOverhead*len(r.Frames)
	r.Pool = a
	// A reply is often the size of its request (a pong per ping): a
	// buffer that large spares the peer growing it frame by frame.
	r.Out = a.pool.tryGetUpTo(max(outHint, wire), outMaxClass)
	c.unacked += r.cost
	c.posts++
	a.inflight++
	if c.unacked >= a.cfg.RecvLimit && !c.readPaused {
		c.readPaused = true
		a.readPaused++
		a.updateInterest(c)
	}
	a.post(c.peer, r)
}

func (a *ioActor) newReceived() *Received {
	if n := len(a.rcvFree); n > 0 {
		r := a.rcvFree[n-1]
		a.rcvFree[n-1] = nil
		a.rcvFree = a.rcvFree[:n-1]
		return r
	}
	return &Received{Frames: make([]Frame, 0, 4)}
}

// ---- writing ----

// flush writes each connection that got data this turn, once.
func (a *ioActor) flush() {
	for i, c := range a.dirty {
		a.dirty[i] = nil
		c.dirty = false
		if c.state == connOpen || c.state == connClosing {
			a.write(c)
		}
	}
	a.dirty = a.dirty[:0]
}

// write does one write (or writev) of c's queue, recycles what went out,
// arms EPOLLOUT if bytes remain, and handles the send limit and a pending
// close.
func (a *ioActor) write(c *conn) {
	progressed := false
	if c.queued > 0 {
		var n int
		var err error
		if len(c.queue)-c.qi == 1 {
			n, err = unix.Write(c.fd, c.queue[c.qi][c.head:])
		} else {
			n, err = a.writev(c)
		}
		switch {
		case err == nil:
			a.advance(c, n)
			progressed = n > 0
		case errIsTemporary(err):
		default:
			a.closeConn(c, fmt.Errorf("write: %w", err))
			return
		}
	}
	c.wantOut = c.queued > 0
	if c.wantOut {
		a.watchStall(c, progressed)
	}
	if c.sendPaused && c.queued <= a.cfg.SendLimit {
		c.sendPaused = false
		a.sendPaused--
		a.post(c.peer, &SendResumed{Conn: c.id})
	}
	if c.state == connClosing && c.queued == 0 {
		a.closeConn(c, c.extra().closeReason)
		return
	}
	a.updateInterest(c)
}

// watchStall runs after a write left bytes in c's queue: it notes the time
// of progress and makes sure one timerStall watches the queue, so that a
// remote that stopped reading is closed after Config.SendTimeout (Core's
// "socket sending timeout"). Connections with empty queues cost nothing.
func (a *ioActor) watchStall(c *conn, progressed bool) {
	if progressed || !c.stallTimer {
		c.extra().stallSince = time.Now().UnixNano()
	}
	if !c.stallTimer {
		c.stallTimer = true
		a.timers.add(timer{at: time.Unix(0, c.extra().stallSince).Add(a.cfg.SendTimeout), kind: timerStall, id: c.id})
	}
}

// checkStall handles c's timerStall: it closes c if its queue has made no
// progress for SendTimeout, else watches again while bytes remain.
func (a *ioActor) checkStall(c *conn, now time.Time) {
	c.stallTimer = false
	if c.queued == 0 || c.state != connOpen {
		return
	}
	at := time.Unix(0, c.extra().stallSince).Add(a.cfg.SendTimeout)
	if !now.Before(at) {
		a.sendTimeouts++
		a.log.Debug("io: send timed out", zap.Stringer("remote", c.remote),
			zap.Int("queued", c.queued), zap.Duration("timeout", a.cfg.SendTimeout))
		a.closeConn(c, fmt.Errorf("%w: %d bytes unwritten for %v", ErrSendTimeout, c.queued, a.cfg.SendTimeout))
		return
	}
	c.stallTimer = true
	a.timers.add(timer{at: at, kind: timerStall, id: c.id})
}

// writev writes up to maxIovecs queued buffers with one system call, using
// io's own iovec slice (unix.Writev allocates one per call).
func (a *ioActor) writev(c *conn) (int, error) {
	iov := a.iov[:0]
	for i, b := range c.queue[c.qi:] {
		if i == maxIovecs {
			break
		}
		if i == 0 {
			b = b[c.head:]
		}
		v := unix.Iovec{Base: unsafe.SliceData(b)}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	r, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(c.fd),
		uintptr(unsafe.Pointer(unsafe.SliceData(iov))), uintptr(len(iov)))
	clear(iov) // drop the references to the written buffers
	a.iov = iov[:0]
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// advance drops n written bytes from c's queue, recycling finished buffers.
func (a *ioActor) advance(c *conn, n int) {
	a.bytesWritten += uint64(n)
	if c.v2 != nil {
		c.v2.written += n
	}
	c.queued -= n
	a.queued -= n
	for n > 0 {
		left := len(c.queue[c.qi]) - c.head
		if n < left {
			c.head += n
			return
		}
		n -= left
		a.pool.put(c.queue[c.qi])
		c.queue[c.qi] = nil
		c.qi++
		c.head = 0
	}
	if c.qi == len(c.queue) {
		c.qi = 0
		c.queue = c.queue[:0]
		if cap(c.queue) > maxIdleQueue {
			c.queue = nil // let go of a large backing array while idle
		}
	}
}

// ---- stats ----

func (a *ioActor) getStats(ctx actor.Context, replyTo *actor.PID) {
	s := &Stats{
		Listeners:    a.listeners,
		Conns:        a.conns,
		BytesQueued:  a.queued,
		BytesRead:    a.bytesRead,
		BytesWritten: a.bytesWritten,
		Wakeups:      a.l.wakeups,
		BadChecksums: a.badChecksums,
		BadCommands:  a.badCommands,
		Stale:        a.stale,
		InFlight:     a.inflight,
		ReadsPaused:  a.readPaused,
		SendsPaused:  a.sendPaused,
		Accepted:     a.accepted,
		Dialed:       a.dialed,
		AcceptPauses: a.acceptPauses,
		Inbound:      a.inbound,
		Undecided:    a.undecided,
		SendTimeouts: a.sendTimeouts,

		V2Established: a.v2Established,
		V2Failures:    a.v2Failures,
		V2Decoys:      a.v2Decoys,
		V2Dropped:     a.v2Dropped,
		V2KeysInline:  a.v2KeysInline,
	}
	if replyTo != nil {
		a.post(replyTo, s)
		return
	}
	ctx.Respond(s)
}
