package peer

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/metrics"
	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Reason is why a peer disconnected; see machine.Reason. A *transport.Close
// the peer sends carries one (wrapped, for a Disconnect with a cause), so
// errors.As(err, new(Reason)) recovers it from *transport.Closed.
type Reason = machine.Reason

// otherCommand is the per-message byte counters' key for commands beyond the
// first maxCommandKeys, like Core's getpeerinfo "*other*": a remote cannot
// grow the maps by inventing commands.
const (
	otherCommand   = "*other*"
	maxCommandKeys = 64
)

// Props returns the props of a peer actor for one connection. The actor
// starts its handshake as soon as it is spawned; its parent (connmgr) then
// attaches it to cfg.Conn at io.
func Props(cfg Config, opts ...Option) *actor.Props {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	var popts []actor.PropsOption
	if o.dispatcher != nil {
		popts = append(popts, actor.WithDispatcher(o.dispatcher))
	}
	return actor.PropsFromProducer(func() actor.Actor { return newPeer(cfg, o) }, popts...)
}

// peer is the actor: a thin shell that decodes frames, feeds the machine and
// carries out its outputs. Only Receive touches its fields.
type peer struct {
	cfg   Config
	log   *zap.Logger
	clock func() time.Time
	m     *machine.Machine
	// outs is the machine's output buffer, reused for every input.
	outs  []machine.Output
	timer waker
	from  dispatcher.Sender
	// metrics receives the peer's domain events (never nil).
	metrics metrics.Peer

	// paused is set between SendPaused and SendResumed; queued holds the
	// batches that arrived meanwhile, still unacknowledged.
	paused bool
	queued []*transport.Received
	// closing is set once we sent io a Close; closed once io said Closed.
	closing, closed bool

	connTime, lastSend, lastRecv time.Time
	bytesSent, bytesRecv         uint64
	sentPerMsg, recvPerMsg       map[string]uint64
	// decodeErrors counts frames of known commands that failed to decode;
	// undelivered counts forwards dropped for want of a dispatcher;
	// unexpected counts actor messages of unknown types.
	decodeErrors, undelivered uint64
	unexpected                map[string]uint64
}

func newPeer(cfg Config, o options) *peer {
	mcfg := machine.Config{
		Inbound:          cfg.Inbound,
		Remote:           cfg.Remote,
		Services:         cfg.Services,
		UserAgent:        cfg.UserAgent,
		StartHeight:      cfg.StartHeight,
		Relay:            cfg.Relay,
		Rand:             o.rand,
		HandshakeTimeout: cfg.HandshakeTimeout,
		PingInterval:     cfg.PingInterval,
		PingTimeout:      cfg.PingTimeout,
	}
	if cfg.Nonces != nil { // no typed nil in the interface
		mcfg.Nonces = cfg.Nonces
	}
	return &peer{
		cfg: cfg,
		log: o.logger.With(
			zap.Uint64("peer", cfg.ID),
			zap.Stringer("addr", cfg.Remote),
			zap.Bool("inbound", cfg.Inbound)),
		clock:      o.clock,
		metrics:    o.metrics,
		m:          machine.New(mcfg),
		outs:       make([]machine.Output, 0, 8),
		sentPerMsg: make(map[string]uint64),
		recvPerMsg: make(map[string]uint64),
		unexpected: make(map[string]uint64),
	}
}

// Receive handles one message.
func (p *peer) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *transport.Received:
		p.received(ctx, msg)
	case *wake:
		p.wake(ctx)
	case *SendMessage:
		p.sendMessage(ctx, msg)
	case *transport.SendPaused:
		p.paused = true
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

func (p *peer) started(ctx actor.Context) {
	now := p.clock()
	p.connTime = now
	p.timer = newTimerWaker(ctx.ActorSystem(), ctx.Self(), p.clock)
	p.from = dispatcher.Sender{ID: p.cfg.ID, PID: ctx.Self(), Remote: p.cfg.Remote, Inbound: p.cfg.Inbound}
	p.log.Info("peer connected")
	p.outs = p.m.Start(now, p.outs[:0])
	p.flush(ctx, now, nil)
}

// received handles one batch of frames from io, or queues it while sending
// is paused. Every batch is acknowledged exactly once.
func (p *peer) received(ctx actor.Context, rcv *transport.Received) {
	if rcv.Conn != p.cfg.Conn {
		p.log.Debug("batch for another connection", zap.Uint64("conn", uint64(rcv.Conn)))
		ctx.Send(p.cfg.IO, &transport.Send{Conn: rcv.Conn, Ack: rcv})
		return
	}
	if p.paused && !p.closed {
		p.queued = append(p.queued, rcv)
		return
	}
	p.process(ctx, rcv)
}

// process decodes and handles every frame of rcv, then acknowledges it with
// one Send carrying all replies.
func (p *peer) process(ctx actor.Context, rcv *transport.Received) {
	now := p.clock()
	p.lastRecv = now
	p.metrics.BatchReceived(len(rcv.Frames))
	outs := p.outs[:0]
	for i := range rcv.Frames {
		outs = p.frame(now, &rcv.Frames[i], outs)
	}
	p.outs = outs
	p.flush(ctx, now, rcv)
}

// frame decodes one frame and feeds it to the machine. Frames after a
// disconnect are counted and dropped, as Core stops processing a peer marked
// for disconnection.
func (p *peer) frame(now time.Time, f *transport.Frame, outs []machine.Output) []machine.Output {
	size := uint64(protocol.HeaderSize + len(f.Payload))
	p.bytesRecv += size
	countBytes(p.recvPerMsg, f.Command, size)
	p.metrics.MessageReceived(f.Command, int(size))
	if p.m.Phase() == machine.PhaseClosed {
		return outs
	}
	msg, err := protocol.Decode(f.Command, f.Payload, p.m.CommonVersion())
	if err != nil {
		p.decodeErrors++
		p.log.Debug("dropping undecodable message", zap.String("command", f.Command), zap.Error(err))
		if f.Command == protocol.CmdVersion && p.m.Remote() == nil {
			// Without a version there is no connection; Core ignores a
			// redundant one before parsing it, so only the first counts.
			return p.m.Disconnect(machine.ProtocolViolation, outs)
		}
		return outs
	}
	p.logReceived(msg)
	return p.m.Received(now, msg, outs)
}

func (p *peer) logReceived(msg protocol.Message) {
	if !p.log.Core().Enabled(zap.DebugLevel) {
		return
	}
	switch msg := msg.(type) {
	case *protocol.MsgVersion:
		p.log.Debug("received version",
			zap.Int32("version", msg.ProtocolVersion),
			zap.String("user_agent", msg.UserAgent),
			zap.Stringer("services", msg.Services),
			zap.Int32("height", msg.StartHeight),
			zap.Bool("relay", msg.Relay))
	case *protocol.MsgVerack:
		p.log.Debug("received verack")
	case *protocol.MsgPing:
		p.log.Debug("ping", zap.String("dir", "in"), zap.Uint64("nonce", msg.Nonce))
	case *protocol.MsgPong:
		p.log.Debug("pong", zap.String("dir", "in"), zap.Uint64("nonce", msg.Nonce))
	}
}

// flush carries out p.outs: it encodes every Send into one buffer and sends
// it to io (acknowledging ack when set; with no ack and nothing to send, it
// sends nothing), reports events, forwards messages, re-arms the timer, and
// closes the connection if the machine decided to.
func (p *peer) flush(ctx actor.Context, now time.Time, ack *transport.Received) {
	var data []byte
	var reason error
	for i := range p.outs {
		o := &p.outs[i]
		switch o.Kind {
		case machine.Send:
			data = p.appendFrame(now, data, o.Msg)
		case machine.Disconnect:
			reason = o.Reason
		case machine.Event:
			p.event(ctx, o)
		case machine.Forward:
			p.forward(ctx, o.Msg)
		case machine.Wake:
			p.timer.Set(o.At)
		}
		*o = machine.Output{} // drop references held by the reused buffer
	}
	p.outs = p.outs[:0]
	if ack != nil || len(data) > 0 {
		ctx.Send(p.cfg.IO, &transport.Send{Conn: p.cfg.Conn, Data: data, Ack: ack})
	}
	if reason != nil {
		p.closeConn(ctx, reason)
	}
}

// appendFrame encodes msg onto data and counts it.
func (p *peer) appendFrame(now time.Time, data []byte, msg protocol.Message) []byte {
	before := len(data)
	data = protocol.AppendFrame(data, p.cfg.Network.Magic, msg, p.m.CommonVersion())
	n := uint64(len(data) - before)
	p.bytesSent += n
	countBytes(p.sentPerMsg, msg.Command(), n)
	p.metrics.MessageSent(msg.Command(), int(n))
	p.lastSend = now
	if p.log.Core().Enabled(zap.DebugLevel) {
		switch msg := msg.(type) {
		case *protocol.MsgVersion:
			p.log.Debug("sending version", zap.Int32("version", msg.ProtocolVersion), zap.Uint64("nonce", msg.Nonce))
		case *protocol.MsgVerack:
			p.log.Debug("sending verack")
		case *protocol.MsgPing:
			p.log.Debug("ping", zap.String("dir", "out"), zap.Uint64("nonce", msg.Nonce))
		case *protocol.MsgPong:
			p.log.Debug("pong", zap.String("dir", "out"), zap.Uint64("nonce", msg.Nonce))
		}
	}
	return data
}

func (p *peer) event(ctx actor.Context, o *machine.Output) {
	switch o.Event {
	case machine.HandshakeComplete:
		v := o.Version
		p.metrics.HandshakeCompleted(p.cfg.Inbound, p.clock().Sub(p.connTime))
		p.log.Info("handshake complete",
			zap.Int32("version", v.ProtocolVersion),
			zap.String("user_agent", v.UserAgent),
			zap.Stringer("services", v.Services),
			zap.Int32("height", v.StartHeight))
		if parent := ctx.Parent(); parent != nil {
			ctx.Send(parent, &Handshaken{
				ID:      p.cfg.ID,
				PID:     ctx.Self(),
				Conn:    p.cfg.Conn,
				Remote:  p.cfg.Remote,
				Inbound: p.cfg.Inbound,
				Version: *v,

				WantsAddrV2: p.m.Status(p.clock()).WantsAddrV2,
			})
		}
	case machine.Pong:
		p.metrics.PingMeasured(o.RTT)
		p.log.Debug("pong", zap.Duration("rtt", o.RTT))
	}
}

// forward hands msg (decoded by protocol.Decode, so it owns its bytes) to
// the dispatcher.
func (p *peer) forward(ctx actor.Context, msg protocol.Message) {
	if p.cfg.Dispatcher == nil {
		p.undelivered++
		return
	}
	ctx.Send(p.cfg.Dispatcher, &dispatcher.Deliver{From: p.from, Msg: msg})
}

func (p *peer) wake(ctx actor.Context) {
	if p.m.Phase() == machine.PhaseClosed {
		return
	}
	now := p.clock()
	p.outs = p.m.Tick(now, p.outs[:0])
	p.flush(ctx, now, nil)
	// A timer that fired before the machine's clock reached the deadline
	// (or a stale one) leaves the machine's wake time unchanged, so it
	// emitted no Wake: re-arm for it.
	if next := p.m.NextWake(); !next.IsZero() {
		p.timer.Set(next)
	}
}

func (p *peer) sendMessage(ctx actor.Context, msg *SendMessage) {
	if msg.Msg == nil {
		p.unexpectedMessage(msg)
		return
	}
	if p.m.Phase() == machine.PhaseClosed {
		p.log.Debug("not sending on a closing connection", zap.String("command", msg.Msg.Command()))
		return
	}
	data := p.appendFrame(p.clock(), nil, msg.Msg)
	ctx.Send(p.cfg.IO, &transport.Send{Conn: p.cfg.Conn, Data: data})
}

func (p *peer) resumed(ctx actor.Context) {
	p.paused = false
	queued := p.queued
	p.queued = nil
	for i, rcv := range queued {
		p.process(ctx, rcv)
		queued[i] = nil
	}
}

func (p *peer) disconnect(ctx actor.Context, msg *Disconnect) {
	p.outs = p.m.Disconnect(machine.Requested, p.outs[:0])
	p.outs = p.outs[:0]
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
	p.timer.Stop()
	p.log.Info("disconnecting", zap.String("reason", reasonName(reason)), zap.Error(reason))
	ctx.Send(p.cfg.IO, &transport.Close{Conn: p.cfg.Conn, Reason: reason})
}

// closedByIO handles the end of the connection: acknowledge what is queued,
// and stop.
func (p *peer) closedByIO(ctx actor.Context, msg *transport.Closed) {
	if msg.Conn != p.cfg.Conn || p.closed {
		return
	}
	p.closed = true
	p.m.Closed()
	p.timer.Stop()
	for _, rcv := range p.queued {
		ctx.Send(p.cfg.IO, &transport.Send{Conn: p.cfg.Conn, Ack: rcv})
	}
	p.queued = nil
	p.log.Info("disconnected", zap.String("reason", reasonName(msg.Reason)), zap.Error(msg.Reason))
	ctx.Stop(ctx.Self())
}

// stopping releases what the peer holds. If the peer is stopped while its
// connection is still open (its parent stopped it), it asks io to close the
// connection, which nobody would read any more.
func (p *peer) stopping(ctx actor.Context) {
	p.m.Closed()
	if p.timer != nil {
		p.timer.Stop()
	}
	if !p.closed && !p.closing {
		p.closing = true
		p.log.Info("disconnecting", zap.String("reason", machine.Requested.String()), zap.String("cause", "peer stopped"))
		ctx.Send(p.cfg.IO, &transport.Close{Conn: p.cfg.Conn, Reason: machine.Requested})
	}
	for _, rcv := range p.queued {
		ctx.Send(p.cfg.IO, &transport.Send{Conn: p.cfg.Conn, Ack: rcv})
	}
	p.queued = nil
}

// pingNow sends a ping ahead of the interval (Core's ping RPC).
func (p *peer) pingNow(ctx actor.Context) {
	now := p.clock()
	p.outs = p.m.QueuePing(now, p.outs[:0])
	p.flush(ctx, now, nil)
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
		ID:              p.cfg.ID,
		Addr:            p.cfg.Remote.String(),
		LastSend:        unixOrZero(p.lastSend),
		LastRecv:        unixOrZero(p.lastRecv),
		BytesSent:       p.bytesSent,
		BytesRecv:       p.bytesRecv,
		ConnTime:        unixOrZero(p.connTime),
		TimeOffset:      int64(st.TimeOffset / time.Second),
		PingTime:        st.LastPing.Seconds(),
		MinPing:         st.MinPing.Seconds(),
		PingWait:        st.PingWait.Seconds(),
		Inbound:         p.cfg.Inbound,
		ConnectionType:  "outbound-full-relay",
		Handshaken:      st.Phase == machine.PhaseReady,
		Services:        fmt.Sprintf("%016x", uint64(0)),
		BytesSentPerMsg: maps.Clone(p.sentPerMsg),
		BytesRecvPerMsg: maps.Clone(p.recvPerMsg),
	}
	if p.cfg.Inbound {
		info.ConnectionType = "inbound"
	}
	if v := st.Remote; v != nil {
		// addrlocal is our address as the remote sees it (its addr_recv).
		if v.AddrRecv.Addr.IsValid() && !v.AddrRecv.Addr.IsUnspecified() {
			info.AddrLocal = v.AddrRecv.AddrPort().String()
		}
		info.Services = fmt.Sprintf("%016x", uint64(v.Services))
		info.ServicesNames = v.Services.Names()
		info.RelayTxes = v.Relay
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
		"id":        p.cfg.ID,
		"addr":      p.cfg.Remote.String(),
		"inbound":   p.cfg.Inbound,
		"handshake": st.Phase.String(),
		"paused":    p.paused,
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
	if p.decodeErrors > 0 {
		summary["decode_errors"] = p.decodeErrors
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{Self: ctx.Self(), Kind: "peer", Summary: summary})
}

func (p *peer) unexpectedMessage(msg any) {
	name := fmt.Sprintf("%T", msg)
	if _, ok := p.unexpected[name]; ok || len(p.unexpected) < 64 {
		p.unexpected[name]++
	}
	p.log.Debug("unexpected message", zap.String("type", name))
}

// countBytes adds n to counts[cmd], folding commands beyond the first
// maxCommandKeys into otherCommand.
func countBytes(counts map[string]uint64, cmd string, n uint64) {
	if _, ok := counts[cmd]; !ok && len(counts) >= maxCommandKeys {
		cmd = otherCommand
	}
	counts[cmd] += n
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

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
