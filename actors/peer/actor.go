package peer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Reason is why a peer disconnected; see machine.Reason. A *transport.Close
// the peer sends carries one (wrapped, for a Disconnect with a cause), so
// errors.As(err, new(Reason)) recovers it from *transport.Closed.
type Reason = machine.Reason

// otherCommand is the per-message byte counters' key for the commands
// protocol does not know, like Core's getpeerinfo "*other*".
const otherCommand = "*other*"

// Props returns the props of a peer actor for one connection. The actor
// starts its handshake as soon as it is spawned; its parent (connmgr) then
// attaches it to cfg.Conn at io. A node making many peers uses a Factory
// instead, whose peers share what they have in common.
func Props(cfg Config, opts ...Option) *actor.Props {
	o := buildOptions(opts)
	c := newCommon(cfg, o)
	// The first incarnation is built now and handed over at the spawn; a
	// restart (which connmgr's supervisor never asks for) starts afresh from
	// the same config. The spawn happens before the actor runs, so the two
	// never touch first at once.
	first := newPeer(cfg, c)
	return actor.PropsFromProducer(func() actor.Actor {
		if p := first; p != nil {
			first = nil
			return p
		}
		return newPeer(cfg, c)
	}, o.propsOptions()...)
}

// Factory makes the props of a node's peers. The peers it makes share one
// copy of what is the same for all of them (the node-wide fields of their
// Config, the options, their machines' settings) and one *actor.Props, so
// an idle peer holds only its own connection's state: at twenty thousand
// connections that is most of the node's memory.
//
// Props and the spawn that follows must come from one goroutine at a time
// (connmgr's). Peers from a Factory are not restarted: a restarted one has
// lost its connection's state, so it stops at once, and its parent cleans
// up as for any stopped peer (connmgr's supervisor stops failed peers).
type Factory struct {
	opts  options
	last  *common
	props *actor.Props
	// next is the peer the props give to the next spawn.
	next atomic.Pointer[peer]
}

// NewFactory returns a factory of peers with opts.
func NewFactory(opts ...Option) *Factory {
	f := &Factory{opts: buildOptions(opts)}
	f.props = actor.PropsFromProducer(f.produce, f.opts.propsOptions()...)
	return f
}

// Props returns the props that spawn the peer of cfg. They are the same
// props every time and carry only the latest peer: spawn with them before
// calling Props again.
func (f *Factory) Props(cfg Config) *actor.Props {
	if f.last == nil || !f.last.sameNodeWide(&cfg) {
		f.last = newCommon(cfg, f.opts)
	}
	f.next.Store(newPeer(cfg, f.last))
	return f.props
}

func (f *Factory) produce() actor.Actor {
	if p := f.next.Swap(nil); p != nil {
		return p
	}
	return orphan{}
}

// orphan is what a Factory's props produce for a restart: the peer's state
// is gone, so it stops.
type orphan struct{}

func (orphan) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		ctx.Stop(ctx.Self())
	}
}

// common is what peers made together share and only read: the node-wide
// fields of their Config (kept in cfg, whose per-connection fields are
// those of the first peer and unused), the options and the machines'
// settings.
type common struct {
	cfg      Config
	opts     options
	settings machine.Settings
}

func newCommon(cfg Config, o options) *common {
	c := &common{cfg: cfg, opts: o}
	c.settings = machine.Settings{
		Services:         cfg.Services,
		UserAgent:        cfg.UserAgent,
		StartHeight:      cfg.StartHeight,
		Height:           cfg.Height,
		Relay:            cfg.Relay,
		Rand:             o.rand,
		HandshakeTimeout: cfg.HandshakeTimeout,
		PingInterval:     cfg.PingInterval,
		PingTimeout:      cfg.PingTimeout,
	}.WithDefaults()
	if cfg.Nonces != nil { // no typed nil in the interface
		c.settings.Nonces = cfg.Nonces
	}
	if cfg.Routes != nil {
		c.settings.Handlers = cfg.Routes
	}
	return c
}

// sameNodeWide reports whether cfg's node-wide fields are c's.
func (c *common) sameNodeWide(cfg *Config) bool {
	a := &c.cfg
	return a.IO == cfg.IO && a.Dispatcher == cfg.Dispatcher && a.Nonces == cfg.Nonces && a.Routes == cfg.Routes &&
		a.Network.Magic == cfg.Network.Magic && a.Network.Name == cfg.Network.Name &&
		a.Services == cfg.Services && a.UserAgent == cfg.UserAgent && a.Relay == cfg.Relay &&
		a.StartHeight == cfg.StartHeight && a.Height == cfg.Height && a.HandshakeTimeout == cfg.HandshakeTimeout &&
		a.PingInterval == cfg.PingInterval && a.PingTimeout == cfg.PingTimeout
}

// peer is the actor: a thin shell that decodes frames, feeds the machine and
// carries out its outputs. Only Receive touches its fields. It holds its
// connection's state only; the rest it reads from c.
type peer struct {
	c    *common
	id   uint64
	conn transport.ConnID
	m    machine.Machine
	// ww is the waker on the timer wheel, when there is one (kept inside
	// the peer, saving an allocation); tw the peer's own runtime timer when
	// there is none. See timer.
	ww wheelWaker
	tw *timerWaker
	// rare holds what few peers ever need (nil until one of them is).
	rare *rareState

	// lastSend and lastRecv are Unix nanoseconds, zero for never.
	lastSend, lastRecv     int64
	bytesSent, bytesRecv   uint64
	sentPerMsg, recvPerMsg cmdBytes
	// dbg says debug lines are logged (see debug); closing once we sent io
	// a Close; closed once io said Closed.
	dbg, closing, closed bool
}

// rareState is the part of a peer's state that most peers never need: an
// idle peer does without these words.
type rareState struct {
	// log is the logger with the peer's fields, kept only while debug
	// logging is on (see logger): a derived zap logger holds about a
	// kilobyte, more than the rest of an idle peer.
	log *zap.Logger
	// flow decides when the peer processes what it received and when it
	// holds it (sending paused, too much in flight at the handlers, work
	// left for later), and keeps the batches held and the work left for
	// later: machine.Flow.
	flow machine.Flow[*transport.Received, continuation]
	// decodeErrors counts frames of known commands that failed to decode;
	// undelivered counts forwards dropped for want of a dispatcher;
	// unexpected counts actor messages of unknown types (nil until one).
	decodeErrors, undelivered uint64
	unexpected                map[string]uint64
}

// continuation is work a handler left for later (Core's per-peer getdata
// queue): d goes back to handler, costing what the message it came from
// cost.
type continuation struct {
	handler *actor.PID
	d       *dispatcher.Deliver
}

// forwardCost is what a forwarded message of payload bytes counts in
// flight (machine.MaxInFlightCost).
func forwardCost(payload int) int {
	return protocol.HeaderSize + payload + transport.MessageOverhead
}

// hold reports whether the peer must stop before the next frame of the
// batch in hand (machine.Flow.Hold).
func (p *peer) hold() bool {
	r := p.rare
	return r != nil && r.flow.Hold()
}

// extra returns the peer's rare state, made at the first need.
func (p *peer) extra() *rareState {
	if p.rare == nil {
		p.rare = new(rareState)
	}
	return p.rare
}

// pingSize is the payload size of a BIP31 ping or pong: its nonce.
const pingSize = 8

// pongSum is a ping's nonce and checksum, reused for its pong.
type pongSum struct {
	nonce uint64
	sum   [4]byte
}

// outBuf is the capacity of the output buffer each input gets on the
// stack: a handshake step or a batch of pings fits; more grows it.
const outBuf = 8

func newPeer(cfg Config, c *common) *peer {
	p := &peer{c: c, id: cfg.ID, conn: cfg.Conn}
	p.m.Init(&c.settings, cfg.Inbound, cfg.Remote, cfg.ExpectServices)
	if cfg.NoTxRelay || cfg.BlockRelayOnly {
		p.m.Restrict(machine.Restrictions{NoTxRelay: true, NoAddrRelay: cfg.BlockRelayOnly})
	}
	return p
}

// clock is the time the state machine sees.
func (p *peer) clock() time.Time { return p.c.opts.clock() }

// logger returns the peer's logger: the base logger with the peer's id,
// address and direction. It is derived once and kept when debug lines are
// on; otherwise each call derives it anew, which only the few Info lines
// of a connection's life do.
func (p *peer) logger() *zap.Logger {
	if p.rare != nil && p.rare.log != nil {
		return p.rare.log
	}
	l := p.c.opts.logger.With(
		zap.Uint64("peer", p.id),
		zap.Stringer("addr", p.m.RemoteAddr()),
		zap.Bool("inbound", p.m.Inbound()))
	if p.debug() {
		p.extra().log = l
	}
	return l
}

// lifecycle logs a step of the connection's life like Core: at Info for an
// outbound connection, at Debug for an inbound one, which an attacker can
// open at a high rate. connmgr logs the connection's start and end; the
// peer's own lines about them are Debug.
func (p *peer) lifecycle(msg string, fields ...zap.Field) {
	switch {
	case !p.m.Inbound():
		p.logger().Info(msg, fields...)
	case p.debug():
		p.logger().Debug(msg, fields...)
	}
}

// debug reports whether debug lines are logged, as found when the message
// in hand arrived (Receive refreshes it: debug categories change at run
// time, and a core may claim Debug in Enabled yet drop it in Check).
func (p *peer) debug() bool { return p.dbg }

// Receive handles one message.
func (p *peer) Receive(ctx actor.Context) {
	p.dbg = p.c.opts.logger.Check(zap.DebugLevel, "peer") != nil
	if !p.dbg {
		if p.rare != nil {
			p.rare.log = nil // debug turned off: let go of the derived logger
		}
	}
	switch msg := ctx.Message().(type) {
	case *transport.Received:
		p.received(ctx, msg)
	case *wake:
		p.wake(ctx)
	case *SendMessage:
		p.sendMessage(ctx, msg)
	case *dispatcher.Handled:
		p.handled(ctx, msg)
	case *transport.SendPaused:
		p.extra().flow.SendPaused()
	case *transport.SendResumed:
		p.resumed(ctx)
	case *transport.Closed:
		p.closedByIO(ctx, msg)
	case *Disconnect:
		p.disconnect(ctx, msg)
	case *GetInfo:
		p.getInfo(ctx, msg)
	case *Ping:
		p.pingNow(ctx)
	case *inspect.Describe:
		p.describe(ctx, msg)
	case *actor.Started:
		p.started(ctx)
	case *actor.Stopping:
		p.stopping(ctx)
	case *actor.Stopped, *actor.Restarting:
	default:
		p.unexpectedMessage(msg)
	}
}

// timer returns the peer's waker, nil before Started.
func (p *peer) timer() waker {
	switch {
	case p.tw != nil:
		return p.tw
	case p.ww.bound():
		return &p.ww
	default:
		return nil
	}
}

func (p *peer) started(ctx actor.Context) {
	now := p.clock()
	if w := p.c.opts.wheel; w != nil {
		p.ww.init(w, ctx.ActorSystem(), ctx.Self())
	} else {
		p.tw = newTimerWaker(ctx.ActorSystem(), ctx.Self())
	}
	if p.debug() {
		p.logger().Debug("peer connected")
	}
	var buf [outBuf]machine.Output
	p.flush(ctx, now, nil, p.m.Start(now, buf[:0]))
}

// received handles one batch of frames from io, or leaves it held while
// the flow says so. Every batch is acknowledged exactly once.
func (p *peer) received(ctx actor.Context, rcv *transport.Received) {
	if rcv.Conn != p.conn {
		p.logger().Debug("batch for another connection", zap.Uint64("conn", uint64(rcv.Conn)))
		ctx.Send(p.c.cfg.IO, &transport.Send{Conn: rcv.Conn, Ack: rcv})
		return
	}
	if r := p.rare; r != nil && !r.flow.Arrived(rcv) {
		return
	}
	if next, acked := p.process(ctx, rcv, 0); !acked {
		p.rare.flow.Stopped(rcv, next)
	}
}

// pump carries out what the flow says once the peer may be unblocked: the
// handlers' work left for later first, then the held batches.
func (p *peer) pump(ctx actor.Context) {
	r := p.rare
	if r == nil {
		return
	}
	for {
		a := r.flow.Next()
		switch a.Step {
		case machine.Serve:
			ctx.Send(a.Cont.handler, a.Cont.d)
		case machine.Resume:
			next, acked := p.process(ctx, a.Batch, a.First)
			if !acked {
				r.flow.Stopped(a.Batch, next)
				return
			}
			r.flow.Finished()
		default:
			return
		}
	}
}

// process decodes and handles the frames of rcv from the first-th on. It
// stops before a frame when the flow holds, sending the replies so far
// and returning the index of that frame; otherwise it acknowledges rcv with
// one Send carrying all replies (rcv is then io's again: not to be
// touched) and reports acked.
func (p *peer) process(ctx actor.Context, rcv *transport.Received, first int) (next int, acked bool) {
	now := p.clock()
	p.lastRecv = now.UnixNano()
	if first == 0 {
		p.c.opts.metrics.BatchReceived(len(rcv.Frames))
	}
	var buf [outBuf]machine.Output
	data := rcv.Out // io's recycled buffer, when it gave one
	rcv.Out = nil   // it goes with the first Send
	if n := len(rcv.Frames) - first; data == nil && n > 1 && rcv.Frames[first].Command == protocol.CmdPing {
		// Room for a pong per frame: a batch of pings is answered
		// without growing the buffer frame by frame.
		data = make([]byte, 0, n*(protocol.HeaderSize+pingSize))
	}
	var reason error
	var sums [tallySums]pongSum
	t := tally{sums: sums[:0]}
	// The outputs of each frame are carried out before the next frame, in
	// order, so that a batch of thousands of pings needs no more than the
	// stack buffer.
	for i := first; i < len(rcv.Frames); i++ {
		if i > first && p.hold() {
			p.report(&t)
			p.send(ctx, nil, data, reason)
			p.reportMisbehaved(ctx, &t)
			return i, false
		}
		f := &rcv.Frames[i]
		var outs []machine.Output
		if f.Command == protocol.CmdPing && len(f.Payload) == pingSize && !p.debug() {
			// The hot path: counted in t, no decoding into a message
			// value, and the pong reuses the ping's checksum (see
			// appendPong). Frames after a disconnect are counted and
			// dropped, as in frame.
			t.pings++
			if p.m.Phase() != machine.PhaseClosed {
				nonce := binary.LittleEndian.Uint64(f.Payload)
				t.sums = append(t.sums, pongSum{nonce: nonce, sum: f.Checksum})
				outs = p.m.ReceivedPing(now, nonce, buf[:0])
			}
		} else {
			outs = p.frame(now, f, buf[:0])
		}
		data, reason = p.apply(ctx, now, outs, data, reason, &t, forwardCost(len(f.Payload)))
	}
	p.report(&t)
	p.send(ctx, rcv, data, reason)
	p.reportMisbehaved(ctx, &t)
	return 0, true
}

// reportMisbehaved tells the parent of the batch's misbehaviour, if any
// (see Misbehaved). It is sent while the peer runs, before any report of
// the connection's end could make the peer stop: connmgr hears it even
// if the remote closes at once (and if the peer's termination, a system
// message, overtakes it, connmgr still knows the peer for a while).
func (p *peer) reportMisbehaved(ctx actor.Context, t *tally) {
	r := t.misbehaved
	if r == machine.ReasonNone {
		return
	}
	t.misbehaved = machine.ReasonNone
	if p.debug() {
		p.logger().Debug("misbehaving", zap.String("reason", r.String()))
	}
	if parent := ctx.Parent(); parent != nil {
		ctx.Send(parent, &Misbehaved{ID: p.id, PID: ctx.Self(), Conn: p.conn, Remote: p.m.RemoteAddr(), Reason: r})
	}
}

// tally is what one batch of frames keeps while in hand: the nonces and
// checksums of its pings in order, taken from next (a pong's payload is its
// ping's, and so is its checksum), and the count of pings and of the pongs
// answering them, for report (the byte counts and metrics of a batch of
// pings are updated once for the batch rather than frame by frame). It
// lives on process's stack, its sums in a stack array unless the batch
// holds more than tallySums pings.
type tally struct {
	sums         []pongSum
	next         int
	pings, pongs int
	// misbehaved is the first rule of the batch that Core calls
	// Misbehaving for, reported to the parent once the replies went out.
	misbehaved machine.Reason
}

// tallySums is the number of ping checksums a batch keeps on the stack.
const tallySums = 32

// pingFrameSize is the size of a ping or pong frame, header included.
const pingFrameSize = protocol.HeaderSize + pingSize

// report counts t's pings and pongs.
func (p *peer) report(t *tally) {
	if t.pings > 0 {
		n := uint64(t.pings * pingFrameSize)
		p.bytesRecv += n
		p.recvPerMsg.add(protocol.CmdPing, n)
		p.c.opts.metrics.MessageReceived(protocol.CmdPing, t.pings, int(n))
	}
	if t.pongs > 0 {
		n := uint64(t.pongs * pingFrameSize)
		p.bytesSent += n
		p.sentPerMsg.add(protocol.CmdPong, n)
		p.c.opts.metrics.MessageSent(protocol.CmdPong, t.pongs, int(n))
	}
	t.pings, t.pongs = 0, 0
}

// frame decodes one frame and feeds it to the machine. Frames after a
// disconnect are counted and dropped, as Core stops processing a peer marked
// for disconnection.
func (p *peer) frame(now time.Time, f *transport.Frame, outs []machine.Output) []machine.Output {
	size := uint64(protocol.HeaderSize + len(f.Payload))
	p.bytesRecv += size
	p.recvPerMsg.add(f.Command, size)
	p.c.opts.metrics.MessageReceived(f.Command, 1, int(size))
	// The machine says, from the command alone, whether the payload is
	// worth decoding: nothing the peer will not use becomes memory.
	decode, outs := p.m.Admit(f.Command, outs)
	if !decode {
		if p.debug() {
			p.logger().Debug("ignoring message", zap.String("command", f.Command), zap.Int("bytes", len(f.Payload)))
		}
		return p.m.Ignored(f.Command, f.Payload, outs)
	}
	msg, err := protocol.Decode(f.Command, f.Payload, p.m.CommonVersion())
	if err != nil {
		p.extra().decodeErrors++
		p.logger().Debug("dropping undecodable message", zap.String("command", f.Command), zap.Error(err))
		return p.m.DecodeFailed(f.Command, err, outs)
	}
	p.logReceived(msg)
	return p.m.Received(now, msg, outs)
}

func (p *peer) logReceived(msg protocol.Message) {
	if !p.debug() {
		return
	}
	log := p.logger()
	switch msg := msg.(type) {
	case *protocol.MsgVersion:
		log.Debug("received version",
			zap.Int32("version", msg.ProtocolVersion),
			zap.String("user_agent", protocol.SanitizeString(msg.UserAgent)),
			zap.Stringer("services", msg.Services),
			zap.Int32("height", msg.StartHeight),
			zap.Bool("relay", msg.Relay))
	case *protocol.MsgVerack:
		log.Debug("received verack")
	case *protocol.MsgPing:
		log.Debug("ping", zap.String("dir", "in"), zap.Uint64("nonce", msg.Nonce))
	case *protocol.MsgPong:
		log.Debug("pong", zap.String("dir", "in"), zap.Uint64("nonce", msg.Nonce))
	}
}

// flush carries out the outputs of one input: it encodes every Send into
// one buffer and sends it to io (acknowledging ack when set; with no ack and
// nothing to send, it sends nothing), reports events, forwards messages,
// re-arms the timer, and closes the connection if the machine decided to.
func (p *peer) flush(ctx actor.Context, now time.Time, ack *transport.Received, outs []machine.Output) {
	var data []byte
	if ack != nil {
		data = ack.Out // io's recycled buffer, when it gave one
	}
	var t tally
	data, reason := p.apply(ctx, now, outs, data, nil, &t, 0)
	p.report(&t)
	p.send(ctx, ack, data, reason)
	p.reportMisbehaved(ctx, &t)
}

// apply carries out outs: Sends are appended to data (pongs counted in t),
// the other outputs done at once (a forward costing cost); a Disconnect's
// reason is returned (the first one kept) for send to act on after the data
// went out.
func (p *peer) apply(ctx actor.Context, now time.Time, outs []machine.Output, data []byte, reason error, t *tally, cost int) ([]byte, error) {
	for i := range outs {
		o := &outs[i]
		switch o.Kind {
		case machine.Send:
			data = p.appendFrame(now, data, o.Msg)
		case machine.SendPong:
			data = p.appendPong(now, data, o.Nonce, t)
			t.pongs++
		case machine.Disconnect:
			switch {
			case o.Reason.Discourages() && ctx.Parent() != nil:
				// The parent decides (see Misbehaved); once per batch.
				if t.misbehaved == machine.ReasonNone {
					t.misbehaved = o.Reason
				}
			case reason == nil:
				reason = p.closeReason(o)
				if o.Reason.Discourages() {
					p.m.Closed() // no parent to decide: close like any rule
				}
			}
		case machine.Event:
			p.event(ctx, o)
		case machine.Forward:
			p.forward(ctx, o.Msg, cost)
		case machine.Wake:
			p.timer().Set(now, o.At)
		}
	}
	return data, reason
}

// closeReason is the error to close the connection with for the machine's
// Disconnect o: its Reason, with Core's words for a version refused for
// its services.
func (p *peer) closeReason(o *machine.Output) error {
	if o.Reason == machine.MissingServices && o.Version != nil {
		return fmt.Errorf("%w: peer does not offer the expected services (%08x offered, %08x expected)",
			o.Reason, uint64(o.Version.Services), uint64(p.m.ExpectServices()))
	}
	return o.Reason
}

// send sends io data (acknowledging ack when set; with no ack and nothing
// to send, it sends nothing), then closes the connection for reason if the
// machine decided to.
func (p *peer) send(ctx actor.Context, ack *transport.Received, data []byte, reason error) {
	if ack != nil || len(data) > 0 {
		ctx.Send(p.c.cfg.IO, &transport.Send{Conn: p.conn, Data: data, Ack: ack})
	}
	if reason != nil {
		p.closeConn(ctx, reason)
	}
}

// appendPong appends a pong carrying nonce to data (its caller counts it),
// framed by protocol.AppendPong. Its ping's checksum, kept in t in the
// order of the batch, serves again when the nonces match; otherwise it is
// computed.
func (p *peer) appendPong(now time.Time, data []byte, nonce uint64, t *tally) []byte {
	var sum [4]byte
	if t.next < len(t.sums) && t.sums[t.next].nonce == nonce {
		sum = t.sums[t.next].sum
		t.next++
	}
	p.lastSend = now.UnixNano()
	return protocol.AppendPong(data, p.c.cfg.Network.Magic, nonce, sum)
}

// appendFrame encodes msg onto data and counts it.
func (p *peer) appendFrame(now time.Time, data []byte, msg protocol.Message) []byte {
	before := len(data)
	data = protocol.AppendFrame(data, p.c.cfg.Network.Magic, msg, p.m.CommonVersion())
	n := uint64(len(data) - before)
	p.bytesSent += n
	p.sentPerMsg.add(msg.Command(), n)
	p.c.opts.metrics.MessageSent(msg.Command(), 1, int(n))
	p.lastSend = now.UnixNano()
	if p.debug() {
		log := p.logger()
		switch msg := msg.(type) {
		case *protocol.MsgVersion:
			log.Debug("sending version", zap.Int32("version", msg.ProtocolVersion), zap.Uint64("nonce", msg.Nonce))
		case *protocol.MsgVerack:
			log.Debug("sending verack")
		case *protocol.MsgPing:
			log.Debug("ping", zap.String("dir", "out"), zap.Uint64("nonce", msg.Nonce))
		case *protocol.MsgPong:
			log.Debug("pong", zap.String("dir", "out"), zap.Uint64("nonce", msg.Nonce))
		}
	}
	return data
}

func (p *peer) event(ctx actor.Context, o *machine.Output) {
	switch o.Event {
	case machine.HandshakeComplete:
		v := o.Version
		p.c.opts.metrics.HandshakeCompleted(p.m.Inbound(), p.clock().Sub(p.m.ConnectedAt()))
		p.lifecycle("handshake complete",
			zap.Int32("version", v.ProtocolVersion),
			zap.String("user_agent", v.UserAgent),
			zap.Stringer("services", v.Services),
			zap.Int32("height", v.StartHeight))
		if parent := ctx.Parent(); parent != nil {
			ctx.Send(parent, &Handshaken{
				ID:      p.id,
				PID:     ctx.Self(),
				Conn:    p.conn,
				Remote:  p.m.RemoteAddr(),
				Inbound: p.m.Inbound(),
				Version: *v,

				WantsAddrV2: p.m.Status(p.clock()).WantsAddrV2,
			})
		}
	case machine.Pong:
		p.c.opts.metrics.PingMeasured(o.RTT)
		if p.debug() {
			p.logger().Debug("pong", zap.Duration("rtt", o.RTT))
		}
		if o.RTT <= p.m.MinPing() {
			// A best time yet (the machine counted it already): connmgr's
			// eviction protects the best ping times.
			if parent := ctx.Parent(); parent != nil {
				ctx.Send(parent, &PingTime{ID: p.id, MinPing: o.RTT})
			}
		}
	}
}

// forward hands msg (decoded by protocol.Decode, so it owns its bytes) to
// the dispatcher. It counts as in flight until the handlers are done with
// it (dispatcher.Handled).
func (p *peer) forward(ctx actor.Context, msg protocol.Message, cost int) {
	r := p.extra()
	if p.c.cfg.Dispatcher == nil {
		r.undelivered++
		return
	}
	r.flow.Forwarded(cost)
	ctx.Send(p.c.cfg.Dispatcher, &dispatcher.Deliver{From: p.sender(ctx), Msg: msg, Cost: cost})
}

func (p *peer) sender(ctx actor.Context) dispatcher.Sender {
	return dispatcher.Sender{ID: p.id, PID: ctx.Self(), Remote: p.m.RemoteAddr(), Inbound: p.m.Inbound()}
}

// handled takes back what a handler is done with, keeps the work it left
// for later while the connection lives, and goes on with what waits.
func (p *peer) handled(ctx actor.Context, h *dispatcher.Handled) {
	r := p.extra()
	if h.Last && h.Deliver != nil {
		c, serving := r.flow.Serving()
		r.flow.Done(h.Deliver.Cost, serving && c.d == h.Deliver)
	}
	if h.Next != nil && h.Handler != nil && !p.closed && !p.closing && p.m.Phase() != machine.PhaseClosed {
		cost := 0
		if h.Deliver != nil {
			cost = h.Deliver.Cost
		}
		d := &dispatcher.Deliver{From: p.sender(ctx), Msg: h.Next, Cost: cost}
		r.flow.Continue(continuation{handler: h.Handler, d: d}, cost)
	}
	p.pump(ctx)
}

func (p *peer) wake(ctx actor.Context) {
	if p.m.Phase() == machine.PhaseClosed {
		return
	}
	now := p.clock()
	var buf [outBuf]machine.Output
	p.flush(ctx, now, nil, p.m.Tick(now, buf[:0]))
	// A timer that fired before the machine's clock reached the deadline
	// (or a stale one) leaves the machine's wake time unchanged, so it
	// emitted no Wake: re-arm for it.
	if next := p.m.NextWake(); !next.IsZero() {
		p.timer().Set(now, next)
	}
}

func (p *peer) sendMessage(ctx actor.Context, msg *SendMessage) {
	if msg.Msg == nil {
		p.unexpectedMessage(msg)
		return
	}
	if p.m.Phase() == machine.PhaseClosed {
		p.logger().Debug("not sending on a closing connection", zap.String("command", msg.Msg.Command()))
		return
	}
	data := p.appendFrame(p.clock(), nil, msg.Msg)
	ctx.Send(p.c.cfg.IO, &transport.Send{Conn: p.conn, Data: data})
}

func (p *peer) resumed(ctx actor.Context) {
	if r := p.rare; r != nil {
		r.flow.SendResumed()
		p.pump(ctx)
	}
}

func (p *peer) disconnect(ctx actor.Context, msg *Disconnect) {
	if r := (machine.Reason(0)); errors.As(msg.Reason, &r) && r.Discourages() && ctx.Parent() != nil {
		// A handler found misbehaviour: the parent decides, as for the
		// machine's own rules.
		if p.m.Phase() != machine.PhaseClosed && !p.closing && !p.closed {
			p.reportMisbehaved(ctx, &tally{misbehaved: r})
		}
		return
	}
	var buf [outBuf]machine.Output
	p.m.Disconnect(machine.Requested, buf[:0])
	reason := error(machine.Requested)
	if msg.Reason != nil {
		reason = fmt.Errorf("%w: %w", machine.Requested, msg.Reason)
	}
	p.closeConn(ctx, reason)
}

// closeConn asks io, once, to close the connection.
func (p *peer) closeConn(ctx actor.Context, reason error) {
	if p.closing || p.closed {
		return
	}
	p.closing = true
	p.timer().Stop()
	if p.debug() {
		p.logger().Debug("disconnecting", zap.String("reason", reasonName(reason)), zap.Error(reason))
	}
	ctx.Send(p.c.cfg.IO, &transport.Close{Conn: p.conn, Reason: reason})
}

// closedByIO handles the end of the connection: acknowledge what is queued,
// and stop.
func (p *peer) closedByIO(ctx actor.Context, msg *transport.Closed) {
	if msg.Conn != p.conn || p.closed {
		return
	}
	p.closed = true
	p.m.Closed()
	p.timer().Stop()
	p.ackQueued(ctx)
	if p.debug() {
		p.logger().Debug("disconnected", zap.String("reason", reasonName(msg.Reason)), zap.Error(msg.Reason))
	}
	ctx.Stop(ctx.Self())
}

// stopping releases what the peer holds. If the peer is stopped while its
// connection is still open (its parent stopped it), it asks io to close the
// connection, which nobody would read any more.
func (p *peer) stopping(ctx actor.Context) {
	p.m.Closed()
	if t := p.timer(); t != nil {
		t.Stop()
	}
	if !p.closed && !p.closing {
		p.closing = true
		if p.debug() {
			p.logger().Debug("disconnecting", zap.String("reason", machine.Requested.String()), zap.String("cause", "peer stopped"))
		}
		ctx.Send(p.c.cfg.IO, &transport.Close{Conn: p.conn, Reason: machine.Requested})
	}
	p.ackQueued(ctx)
}

// ackQueued ends the flow and acknowledges the batches it held,
// unprocessed: the connection is gone.
func (p *peer) ackQueued(ctx actor.Context) {
	for _, rcv := range p.extra().flow.End() {
		ctx.Send(p.c.cfg.IO, &transport.Send{Conn: p.conn, Ack: rcv})
	}
}

// pingNow sends a ping ahead of the interval (Core's ping RPC).
func (p *peer) pingNow(ctx actor.Context) {
	now := p.clock()
	var buf [outBuf]machine.Output
	p.flush(ctx, now, nil, p.m.QueuePing(now, buf[:0]))
}

func (p *peer) getInfo(ctx actor.Context, msg *GetInfo) {
	if msg.ReplyTo != nil {
		ctx.Send(msg.ReplyTo, p.info(p.clock()))
	}
}

// info builds the getpeerinfo entry, with Core's field meanings.
func (p *peer) info(now time.Time) *Info {
	st := p.m.Status(now)
	info := &Info{
		ID:              p.id,
		Addr:            p.m.RemoteAddr().String(),
		LastSend:        unixOrZero(p.lastSend),
		LastRecv:        unixOrZero(p.lastRecv),
		BytesSent:       p.bytesSent,
		BytesRecv:       p.bytesRecv,
		ConnTime:        connTime(st.ConnectedAt),
		TimeOffset:      int64(st.TimeOffset / time.Second),
		PingTime:        st.LastPing.Seconds(),
		MinPing:         st.MinPing.Seconds(),
		PingWait:        st.PingWait.Seconds(),
		Inbound:         p.m.Inbound(),
		ConnectionType:  "outbound-full-relay",
		Handshaken:      st.Phase == machine.PhaseReady,
		Services:        fmt.Sprintf("%016x", uint64(0)),
		BytesSentPerMsg: p.sentPerMsg.toMap(),
		BytesRecvPerMsg: p.recvPerMsg.toMap(),
	}
	if p.m.Inbound() {
		info.ConnectionType = "inbound"
	}
	if v := st.Remote; v != nil {
		// addrlocal is our address as the remote sees it (its addr_recv).
		if v.AddrRecv.Addr.IsValid() && !v.AddrRecv.Addr.IsUnspecified() {
			info.AddrLocal = v.AddrRecv.AddrPort().String()
		}
		info.Services = fmt.Sprintf("%016x", uint64(v.Services))
		info.ServicesNames = v.Services.Names()
		// Core reports the remote's relay flag only where it keeps a tx
		// relay for the peer: not for block-relay-only or feeler connections.
		info.RelayTxes = v.Relay && !p.m.Restrictions().NoTxRelay
		info.Version = v.ProtocolVersion
		info.SubVer = v.UserAgent
		info.StartingHeight = v.StartHeight
	}
	if info.ServicesNames == nil {
		info.ServicesNames = []string{}
	}
	return info
}

func (p *peer) describe(ctx actor.Context, msg *inspect.Describe) {
	if msg.ReplyTo == nil {
		return
	}
	now := p.clock()
	st := p.m.Status(now)
	summary := map[string]any{
		"id":        p.id,
		"addr":      p.m.RemoteAddr().String(),
		"inbound":   p.m.Inbound(),
		"handshake": st.Phase.String(),
		"paused":    p.rare != nil && p.rare.flow.Paused(),
		"ping_ms":   float64(st.LastPing) / float64(time.Millisecond),
		"bytes_in":  p.bytesRecv,
		"bytes_out": p.bytesSent,
	}
	if st.PingWait > 0 {
		summary["ping_wait_ms"] = float64(st.PingWait) / float64(time.Millisecond)
	}
	if v := st.Remote; v != nil {
		summary["version"] = v.ProtocolVersion
		summary["subver"] = v.UserAgent
	}
	if r := p.rare; r != nil {
		if r.decodeErrors > 0 {
			summary["decode_errors"] = r.decodeErrors
		}
		if n, held := r.flow.InFlight(), r.flow.HeldBatches(); n > 0 || held > 0 {
			summary["in_flight"] = n
			summary["queued_batches"] = held
		}
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{Self: ctx.Self(), Kind: "peer", Summary: summary})
}

func (p *peer) unexpectedMessage(msg any) {
	name := fmt.Sprintf("%T", msg)
	r := p.extra()
	if r.unexpected == nil {
		r.unexpected = make(map[string]uint64)
	}
	if _, ok := r.unexpected[name]; ok || len(r.unexpected) < 64 {
		r.unexpected[name]++
	}
	p.logger().Debug("unexpected message", zap.String("type", name))
}

// reasonName is the label for a close reason: the Reason's name when the
// error carries one, else the error's text.
func reasonName(err error) string {
	var r machine.Reason
	if errors.As(err, &r) {
		return r.String()
	}
	if err == nil {
		return "none"
	}
	return err.Error()
}

// connTime is t in Unix seconds, zero for the zero time.
func connTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixOrZero turns Unix nanoseconds into Unix seconds, keeping zero for
// never.
func unixOrZero(ns int64) int64 {
	if ns == 0 {
		return 0
	}
	return time.Unix(0, ns).Unix()
}
