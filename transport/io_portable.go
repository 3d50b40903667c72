package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
)

// PortableProps returns the props of the portable io actor configured by
// cfg. It serves the same messages as the epoll io over the net package,
// with a reader and a writer goroutine per connection. It is built on every
// system, so that its tests run on Linux too; Props returns it on every
// system but Linux (and on Linux with the transport_portable build tag).
func PortableProps(cfg Config) *actor.Props {
	cfg = cfg.withDefaults()
	return actor.PropsFromProducer(func() actor.Actor { return newPortableIO(cfg) })
}

// Messages the goroutines of the portable io post to the actor.
type (
	acceptedConn struct {
		l  *plistener
		nc net.Conn
	}
	dialResult struct {
		m   *Dial
		nc  net.Conn
		err error
	}
	connFailed struct {
		id  ConnID
		err error
	}
	flushed struct{ id ConnID } // a closing connection's queue is written
)

// plistener is one listener of the portable io.
type plistener struct {
	ln    net.Listener
	owner *actor.PID
}

// acceptGate holds the portable io's accept goroutines while the accepted
// connections open reach AcceptLimits.MaxInbound or those undecided reach
// AcceptLimits.MaxUndecided: each takes an inbound and an undecided slot
// before it calls Accept, so the connections beyond wait in the kernel's
// backlog.
type acceptGate struct {
	mu           sync.Mutex
	cond         *sync.Cond
	open         int // inbound slots taken: connections accepted (or being accepted) and not closed
	undecided    int // undecided slots taken: accepted (or being accepted), neither attached nor closed
	max          int // cap on open; 0: none
	maxUndecided int // cap on undecided; 0: none
	done         bool
}

func newAcceptGate() *acceptGate {
	g := &acceptGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// full reports whether a cap holds the accept goroutines; g.mu is held.
func (g *acceptGate) full() bool {
	return (g.max > 0 && g.open >= g.max) || (g.maxUndecided > 0 && g.undecided >= g.maxUndecided)
}

// take waits for a free inbound slot and a free undecided slot and takes
// both; false means the io is stopping.
func (g *acceptGate) take() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for !g.done && g.full() {
		g.cond.Wait()
	}
	if g.done {
		return false
	}
	g.open++
	g.undecided++
	return true
}

// release frees an inbound slot.
func (g *acceptGate) release() {
	g.mu.Lock()
	g.open--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// decide frees an undecided slot.
func (g *acceptGate) decide() {
	g.mu.Lock()
	g.undecided--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// setMax changes the caps (0: none).
func (g *acceptGate) setMax(inbound, undecided int) {
	g.mu.Lock()
	g.max, g.maxUndecided = max(inbound, 0), max(undecided, 0)
	g.cond.Broadcast()
	g.mu.Unlock()
}

// stop lets every waiting goroutine go, for good.
func (g *acceptGate) stop() {
	g.mu.Lock()
	g.done = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

// pconn is one connection of the portable io. The actor owns the fields
// above mu; mu guards those below, shared with the reader and writer.
type pconn struct {
	id     ConnID
	nc     net.Conn
	owner  *actor.PID
	remote netip.AddrPort
	reason error // a Close's reason, once asked
	// inbound: accepted, holding a slot of the accept gate; undecided:
	// accepted and neither attached nor closed yet.
	inbound, undecided bool

	mu         sync.Mutex
	cond       *sync.Cond // signals attach, acknowledgements, new data, close
	peer       *actor.PID
	unacked    int
	posts      int
	queue      [][]byte
	queued     int
	sendPaused bool
	closing    bool
	closed     bool
	// v2 is the BIP324 state while the connection may speak v2
	// (v2portable.go).
	v2 *pv2
}

// portableIO is the io actor of the portable build.
type portableIO struct {
	cfg       Config
	log       *zap.Logger
	sys       *actor.ActorSystem
	self      *actor.PID
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	next      uint64
	conns     map[ConnID]*pconn
	listeners []*plistener
	stats     Stats
	gate      *acceptGate
	limits    AcceptLimits

	// Counted by the reader and writer goroutines.
	bytesRead, bytesWritten   atomic.Uint64
	badChecksums, badCommands atomic.Uint64
	v2Established, v2Failures atomic.Uint64
	v2Decoys, v2Dropped       atomic.Uint64
}

func newPortableIO(cfg Config) *portableIO {
	return &portableIO{cfg: cfg, log: cfg.Logger, conns: make(map[ConnID]*pconn), gate: newAcceptGate()}
}

// Receive handles io's messages.
func (a *portableIO) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *Send:
		a.send(m)
	case *Attach:
		a.attach(m)
	case *Close:
		a.closeReq(m)
	case *Dial:
		a.dial(m)
	case *Listen:
		a.listen(m)
	case *AcceptLimits:
		a.limits = *m
		a.gate.setMax(m.MaxInbound, m.MaxUndecided)
	case StatsRequest:
		a.getStats(ctx, m.StatsReplyTo())
	case *acceptedConn:
		a.accepted(m)
	case *dialResult:
		a.dialed(m)
	case *connFailed:
		if c := a.conns[m.id]; c != nil {
			if c.reason != nil {
				a.closeConn(c, c.reason) // the write deadline of a Close passed
			} else {
				if errors.Is(m.err, ErrSendTimeout) {
					a.stats.SendTimeouts++
				}
				a.closeConn(c, m.err)
			}
		}
	case *flushed:
		if c := a.conns[m.id]; c != nil {
			a.closeConn(c, c.reason)
		}
	case *actor.Started:
		a.sys, a.self = ctx.ActorSystem(), ctx.Self()
		a.ctx, a.cancel = context.WithCancel(context.Background())
	case *actor.Stopping, *actor.Restarting:
		a.closeAll(ErrStopped)
	case *actor.Stopped:
		a.closeAll(ErrStopped)
		a.wg.Wait()
	default:
		a.log.Debug("io: unexpected message", zap.String("type", fmt.Sprintf("%T", m)))
	}
}

func (a *portableIO) post(pid *actor.PID, msg any) {
	if pid != nil {
		a.sys.Root.Send(pid, msg)
	}
}

func (a *portableIO) newID() ConnID {
	a.next++
	return ConnID(a.next)
}

func (a *portableIO) listen(m *Listen) {
	ln, err := net.Listen("tcp", m.Addr.String())
	if err != nil {
		a.post(m.Owner, &Listening{Requested: m.Addr, Err: fmt.Errorf("listen %v: %w", m.Addr, err)})
		return
	}
	l := &plistener{ln: ln, owner: m.Owner}
	a.listeners = append(a.listeners, l)
	a.post(m.Owner, &Listening{Requested: m.Addr, Addr: addrPortOfNet(ln.Addr())})
	a.wg.Add(1)
	go a.acceptLoop(l)
}

func (a *portableIO) acceptLoop(l *plistener) {
	defer a.wg.Done()
	for {
		if !a.gate.take() {
			return
		}
		nc, err := l.ln.Accept()
		if err != nil {
			a.gate.release()
			a.gate.decide()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			a.log.Warn("io: accept failed; pausing", zap.Error(err))
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(a.cfg.AcceptPause):
			}
			continue
		}
		a.sys.Root.Send(a.self, &acceptedConn{l: l, nc: nc})
	}
}

func (a *portableIO) accepted(m *acceptedConn) {
	if a.ctx.Err() != nil {
		m.nc.Close()
		a.gate.release()
		a.gate.decide()
		return
	}
	var v2 *pv2
	if a.cfg.V2 {
		var err error
		if v2, _, err = newPV2(a.cfg.Magic, false); err != nil {
			a.log.Warn("io: no BIP324 key for an inbound connection; serving v1", zap.Error(err))
		}
	}
	c := a.addConn(m.nc, m.l.owner, v2, nil)
	c.inbound, c.undecided = true, true
	a.stats.Inbound++
	a.stats.Undecided++
	a.stats.Accepted++
	a.post(m.l.owner, &Accepted{Conn: c.id, Remote: c.remote, Local: addrPortOfNet(m.nc.LocalAddr())})
}

// decided counts c, if it was an undecided accepted connection, decided,
// and frees its undecided slot of the accept gate.
func (a *portableIO) decided(c *pconn) {
	if c.undecided {
		c.undecided = false
		a.stats.Undecided--
		a.gate.decide()
	}
}

func (a *portableIO) dial(m *Dial) {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = a.cfg.DialTimeout
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.ctx, timeout)
		defer cancel()
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", m.Addr.String())
		if err != nil {
			var ne net.Error
			if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
				err = fmt.Errorf("dial %v: %w", m.Addr, ErrDialTimeout)
			} else {
				err = fmt.Errorf("dial %v: %w", m.Addr, err)
			}
		}
		a.sys.Root.Send(a.self, &dialResult{m: m, nc: nc, err: err})
	}()
}

func (a *portableIO) dialed(r *dialResult) {
	if r.err == nil && a.ctx.Err() != nil {
		r.nc.Close()
		r.err = fmt.Errorf("dial %v: %w", r.m.Addr, ErrStopped)
	}
	if r.err != nil {
		a.post(r.m.Owner, &Dialed{Tag: r.m.Tag, Addr: r.m.Addr, Err: r.err})
		return
	}
	var v2 *pv2
	var hello []byte
	if r.m.V2 {
		var err error
		if v2, hello, err = newPV2(a.cfg.Magic, true); err != nil {
			a.log.Warn("io: no BIP324 key for an outbound connection; dialled as v1", zap.Error(err))
		}
	}
	c := a.addConn(r.nc, r.m.Owner, v2, hello)
	a.stats.Dialed++
	a.post(r.m.Owner, &Dialed{Tag: r.m.Tag, Addr: r.m.Addr, Conn: c.id, Local: addrPortOfNet(r.nc.LocalAddr())})
}

// addConn registers nc and starts its reader and writer; v2, when set,
// makes it BIP324-capable, hello the bytes it sends first.
func (a *portableIO) addConn(nc net.Conn, owner *actor.PID, v2 *pv2, hello []byte) *pconn {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := &pconn{id: a.newID(), nc: nc, owner: owner, remote: addrPortOfNet(nc.RemoteAddr()), v2: v2}
	c.cond = sync.NewCond(&c.mu)
	if len(hello) > 0 {
		c.queue, c.queued = [][]byte{hello}, len(hello)
	}
	a.conns[c.id] = c
	a.wg.Add(2)
	go a.reader(c)
	go a.writer(c)
	return c
}

func (a *portableIO) attach(m *Attach) {
	c := a.conns[m.Conn]
	if c == nil {
		a.stats.Stale++
		return
	}
	a.decided(c)
	c.mu.Lock()
	c.peer = m.Peer
	paused := c.sendPaused
	c.cond.Broadcast()
	c.mu.Unlock()
	if paused {
		a.post(m.Peer, &SendPaused{Conn: c.id})
	}
}

func (a *portableIO) send(m *Send) {
	if r := m.Ack; r != nil && r.Pool == a && r.cost > 0 {
		if c := a.conns[r.Conn]; c != nil {
			c.mu.Lock()
			c.unacked -= r.cost
			c.posts--
			c.cond.Broadcast()
			c.mu.Unlock()
		}
		r.cost = 0
	}
	c := a.conns[m.Conn]
	if c == nil {
		a.stats.Stale++
		return
	}
	if len(m.Data) == 0 {
		return
	}
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return
	}
	data := m.Data
	if c.v2 != nil {
		var err error
		if data, err = c.v2.encodeLocked(data); err != nil || data == nil {
			c.mu.Unlock()
			if err != nil {
				a.closeConn(c, fmt.Errorf("v2 transport: send: %w", err))
			}
			return
		}
	}
	c.queue = append(c.queue, data)
	c.queued += len(data)
	if !c.sendPaused && c.queued > a.cfg.SendLimit {
		c.sendPaused = true
		// Posted under the lock, so it reaches the peer before the
		// writer's SendResumed.
		a.post(c.peer, &SendPaused{Conn: c.id})
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (a *portableIO) closeReq(m *Close) {
	c := a.conns[m.Conn]
	if c == nil {
		a.stats.Stale++
		return
	}
	reason := m.Reason
	if reason == nil {
		reason = ErrCloseRequested
	}
	if c.reason != nil {
		return // already closing
	}
	a.decided(c)
	c.reason = reason
	c.mu.Lock()
	empty := c.queued == 0
	c.closing = true
	if !empty {
		c.queue = append(c.queue, nil) // tells the writer to report once written
	}
	if !empty {
		// Under mu, so the writer's SendTimeout deadline cannot replace it.
		c.nc.SetWriteDeadline(time.Now().Add(a.cfg.CloseTimeout))
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	if empty {
		a.closeConn(c, reason)
	}
}

// closeConn closes c and reports it to its peer and owner.
func (a *portableIO) closeConn(c *pconn, reason error) {
	delete(a.conns, c.id)
	a.decided(c)
	if c.inbound {
		c.inbound = false
		a.stats.Inbound--
		a.gate.release()
	}
	c.mu.Lock()
	c.closed = true
	peer := c.peer
	retryV1 := c.v2 != nil && c.v2.s.ShouldReconnectV1(c.v2.written)
	c.cond.Broadcast()
	c.mu.Unlock()
	c.nc.Close()
	msg := &Closed{Conn: c.id, Reason: reason, ReconnectV1: retryV1}
	a.post(peer, msg)
	if c.owner != nil && !c.owner.Equal(peer) {
		a.post(c.owner, msg)
	}
}

func (a *portableIO) closeAll(reason error) {
	if a.cancel != nil {
		a.cancel()
	}
	a.gate.stop()
	for _, l := range a.listeners {
		l.ln.Close()
	}
	a.listeners = nil
	for _, c := range a.conns {
		a.closeConn(c, reason)
	}
}

// reader reads c once attached, stops while the receive limit is reached,
// and posts every read's complete frames as one Received.
func (a *portableIO) reader(c *pconn) {
	defer a.wg.Done()
	buf := make([]byte, 0, ReadBufferSize)
	var frames []Frame
	for {
		c.mu.Lock()
		for !c.closed && (c.peer == nil || c.unacked >= a.cfg.RecvLimit) {
			c.cond.Wait()
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		n, err := c.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		a.bytesRead.Add(uint64(n))
		// c.v2 is set before this goroutine starts and cleared only by it.
		if n > 0 && c.v2 != nil {
			if res := a.readV2(c, buf); !res.v1 || res.err != nil {
				if res.err != nil {
					err = res.err
				}
				if err != nil {
					a.sys.Root.Send(a.self, &connFailed{id: c.id, err: fmt.Errorf("read: %w", err)})
					return
				}
				buf = a.keepRead(buf, res.used, res.next)
				continue
			}
		}
		d, ferr := Deframe(buf, a.cfg.Magic, frames[:0])
		frames = d.Frames
		a.badChecksums.Add(uint64(d.BadChecksums))
		a.badCommands.Add(uint64(d.BadCommands))
		if len(d.Frames) > 0 {
			r := &Received{Conn: c.id, Size: d.Wire, Pool: a}
			for _, f := range d.Frames {
				r.Frames = append(r.Frames, Frame{Command: f.Command, Payload: append([]byte(nil), f.Payload...), Checksum: f.Checksum})
			}
			r.cost = d.Wire + MessageOverhead*len(r.Frames)
			c.mu.Lock()
			c.unacked += r.cost
			c.posts++
			peer := c.peer
			c.mu.Unlock()
			a.sys.Root.Send(peer, r)
		}
		clear(frames)
		if ferr != nil {
			err = ferr
		}
		if err != nil {
			a.sys.Root.Send(a.self, &connFailed{id: c.id, err: fmt.Errorf("read: %w", err)})
			return
		}
		buf = a.keepRead(buf, d.Used, d.Next)
	}
}

// keepRead drops the used bytes at the front of buf and, when the next
// frame (or packet) of next bytes is larger than the buffer, grows it as
// its bytes arrive, RecvAhead at a time then doubling, not to the
// announced size at once (Core's V1Transport::readData).
func (a *portableIO) keepRead(buf []byte, used, next int) []byte {
	buf = append(buf[:0], buf[used:]...)
	if next > cap(buf) && len(buf) == cap(buf) {
		grown := min(next, max(len(buf)+RecvAhead, 2*cap(buf)))
		buf = append(make([]byte, 0, grown), buf...)
	}
	return buf
}

// writer writes c's queue, all of it at once, until c closes.
func (a *portableIO) writer(c *pconn) {
	defer a.wg.Done()
	for {
		c.mu.Lock()
		for !c.closed && len(c.queue) == 0 {
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		closing := c.closing
		if c.v2 != nil {
			// Counted as handed to the socket: a remote that hangs up on
			// them may be seen (by the reader) before WriteTo returns.
			for _, b := range batch {
				c.v2.written += len(b)
			}
		}
		if !closing {
			// A remote that stops reading blocks the write: give up after
			// SendTimeout without progress (Core's "socket sending timeout").
			c.nc.SetWriteDeadline(time.Now().Add(a.cfg.SendTimeout))
		}
		c.mu.Unlock()

		closeAsked := false
		bufs := make(net.Buffers, 0, len(batch))
		for _, b := range batch {
			if b == nil {
				closeAsked = true
				break
			}
			bufs = append(bufs, b)
		}
		n, err := bufs.WriteTo(c.nc)
		a.bytesWritten.Add(uint64(n))
		c.mu.Lock()
		c.queued -= int(n)
		if c.sendPaused && c.queued <= a.cfg.SendLimit {
			c.sendPaused = false
			a.post(c.peer, &SendResumed{Conn: c.id})
		}
		c.mu.Unlock()
		if err != nil {
			if !closing && errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("%w: %v", ErrSendTimeout, err)
			}
			a.sys.Root.Send(a.self, &connFailed{id: c.id, err: fmt.Errorf("write: %w", err)})
			return
		}
		if closeAsked {
			a.sys.Root.Send(a.self, &flushed{id: c.id})
			return
		}
	}
}

func (a *portableIO) getStats(ctx actor.Context, replyTo *actor.PID) {
	s := a.stats
	s.BytesRead, s.BytesWritten = a.bytesRead.Load(), a.bytesWritten.Load()
	s.BadChecksums, s.BadCommands = a.badChecksums.Load(), a.badCommands.Load()
	s.V2Established, s.V2Failures = a.v2Established.Load(), a.v2Failures.Load()
	s.V2Decoys, s.V2Dropped = a.v2Decoys.Load(), a.v2Dropped.Load()
	s.Listeners = len(a.listeners)
	s.Conns = len(a.conns)
	for _, c := range a.conns {
		c.mu.Lock()
		s.BytesQueued += c.queued
		s.InFlight += c.posts
		if c.unacked >= a.cfg.RecvLimit {
			s.ReadsPaused++
		}
		if c.sendPaused {
			s.SendsPaused++
		}
		c.mu.Unlock()
	}
	if replyTo != nil {
		a.post(replyTo, &s)
		return
	}
	ctx.Respond(&s)
}

// addrPortOfNet converts a net.Addr of a TCP socket.
func addrPortOfNet(addr net.Addr) netip.AddrPort {
	if ta, ok := addr.(*net.TCPAddr); ok {
		return ta.AddrPort()
	}
	return netip.AddrPort{}
}
