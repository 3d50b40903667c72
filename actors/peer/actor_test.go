package peer

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}

// Expectations wait at most realWait, or fakeWait inside a synctest bubble,
// where time is fake and must outlast the peer's own timers (22 minutes).
const (
	realWait = 10 * time.Second
	fakeWait = time.Hour
)

const conn transport.ConnID = 7<<32 | 12

var remoteAddr = netip.MustParseAddrPort("127.0.0.2:18444")

// probe is an actor that passes every non-lifecycle message to a channel.
type probe struct {
	pid  *actor.PID
	ch   chan any
	wait time.Duration
}

func newProbe(system *actor.ActorSystem, wait time.Duration) *probe {
	p := &probe{ch: make(chan any, 256), wait: wait}
	p.pid = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
		default:
			p.ch <- ctx.Message()
		}
	}))
	return p
}

func expect[T any](t *testing.T, p *probe) T {
	t.Helper()
	timer := time.NewTimer(p.wait)
	defer timer.Stop()
	select {
	case msg := <-p.ch:
		v, ok := msg.(T)
		if !ok {
			var zero T
			t.Fatalf("probe got %T %+v, want %T", msg, msg, zero)
		}
		return v
	case <-timer.C:
		var zero T
		t.Fatalf("probe: no %T within %v", zero, p.wait)
		return zero
	}
}

func expectEmpty(t *testing.T, p *probe) {
	t.Helper()
	select {
	case msg := <-p.ch:
		t.Fatalf("probe got unexpected %T %+v", msg, msg)
	default:
	}
}

// harness runs one peer actor under a parent actor, with probes standing in
// for io, the dispatcher and the parent's observer.
type harness struct {
	t      *testing.T
	system *actor.ActorSystem
	params protocol.Params
	io     *probe
	disp   *probe
	events *probe // what the parent receives: *Handshaken, *actor.Terminated
	parent *actor.PID
	peer   *actor.PID
	nonces *Nonces
	logs   *observer.ObservedLogs
	wait   time.Duration
	// level is the least level logged (Debug unless infoLogs).
	level zapcore.Level
	// routes puts a real dispatcher keeping routes before disp (withRoutes).
	routes bool
}

type harnessOpt func(*harness, *Config)

func inbound(_ *harness, c *Config) { c.Inbound = true }

// infoLogs logs at Info and above only, as a node does by default: the
// peer then takes its paths that skip per-message debug lines.
func infoLogs(h *harness, _ *Config) { h.level = zap.InfoLevel }

// inBubble is for tests running inside synctest.Test.
func inBubble(h *harness, _ *Config) { h.wait = fakeWait }

func newHarness(t *testing.T, nonces *Nonces, opts ...harnessOpt) *harness {
	t.Helper()
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	h := &harness{t: t, system: system, params: params, nonces: nonces, wait: realWait, level: zap.DebugLevel}
	cfg := Config{
		ID:        1,
		Conn:      conn,
		Remote:    remoteAddr,
		Local:     netip.MustParseAddrPort("127.0.0.1:18444"),
		Network:   params,
		Services:  protocol.SFNodeNetwork | protocol.SFNodeWitness,
		UserAgent: "/actornode-test:0.1/",
		Nonces:    nonces,
	}
	for _, o := range opts {
		o(h, &cfg)
	}
	h.io, h.disp, h.events = newProbe(system, h.wait), newProbe(system, h.wait), newProbe(system, h.wait)
	cfg.IO, cfg.Dispatcher = h.io.pid, h.disp.pid
	if h.routes {
		h.routeThroughDispatcher(&cfg)
	}
	core, logs := observer.New(h.level)
	h.logs = logs
	logger := zap.New(zapcore.NewTee(core, zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)).Core()))
	spawned := make(chan *actor.PID, 1)
	h.parent = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			pid, err := ctx.SpawnNamed(Props(cfg, WithLogger(logger)), "peer-1")
			if err != nil {
				panic(err)
			}
			ctx.Watch(pid)
			spawned <- pid
		case *Handshaken, *Misbehaved, *actor.Terminated:
			h.events.ch <- msg
		}
	}))
	h.peer = <-spawned
	return h
}

// stop stops every actor and the system (before a synctest bubble ends).
func (h *harness) stop() {
	for _, pid := range []*actor.PID{h.parent, h.io.pid, h.disp.pid, h.events.pid} {
		_ = h.system.Root.StopFuture(pid).Wait()
	}
	h.system.Shutdown()
	if h.wait == fakeWait {
		// A dead letter (a message reaching an actor that has just
		// stopped) starts the library's throttle goroutine, which waits
		// one throttle interval on a ticker. Let fake time run past it, or
		// the goroutine outlives the bubble and synctest panics.
		time.Sleep(h.system.Config.DeadLetterThrottleInterval + time.Millisecond)
	}
}

// post sends the peer one batch made of msgs and returns it.
func (h *harness) post(msgs ...protocol.Message) *transport.Received {
	var wire []byte
	for _, m := range msgs {
		wire = protocol.AppendFrame(wire, h.params.Magic, m, protocol.ProtocolVersion)
	}
	return h.postWire(wire)
}

func (h *harness) postWire(wire []byte) *transport.Received {
	rcv := &transport.Received{Conn: conn, Frames: cutFrames(h.t, wire), Size: len(wire)}
	h.system.Root.Send(h.peer, rcv)
	return rcv
}

// expectSend waits for the next message to io, which must be a *Send for our
// connection acknowledging ack (nil: unprompted), and returns its messages.
func (h *harness) expectSend(ack *transport.Received) []protocol.Message {
	h.t.Helper()
	s := expect[*transport.Send](h.t, h.io)
	if s.Conn != conn {
		h.t.Fatalf("send for conn %x", s.Conn)
	}
	if s.Ack != ack {
		h.t.Fatalf("send acknowledges %p, want %p", s.Ack, ack)
	}
	var msgs []protocol.Message
	for _, f := range cutFrames(h.t, s.Data) {
		m, err := protocol.Decode(f.Command, f.Payload, protocol.ProtocolVersion)
		if err != nil {
			h.t.Fatalf("peer sent undecodable %s: %v", f.Command, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func (h *harness) expectClose(reason machine.Reason) {
	h.t.Helper()
	c := expect[*transport.Close](h.t, h.io)
	if c.Conn != conn || !errors.Is(c.Reason, reason) {
		h.t.Fatalf("close = %+v, want reason %v", c, reason)
	}
}

// info asks the peer for its Info through a probe; the answer also proves
// that everything posted before was handled.
func (h *harness) info() *Info {
	h.t.Helper()
	p := newProbe(h.system, h.wait)
	defer h.system.Root.Stop(p.pid)
	h.system.Root.Send(h.peer, &GetInfo{ReplyTo: p.pid})
	return expect[*Info](h.t, p)
}

// closed tells the peer io closed the connection and waits for it to stop.
func (h *harness) closed(reason error) {
	h.t.Helper()
	h.system.Root.Send(h.peer, &transport.Closed{Conn: conn, Reason: reason})
	term := expect[*actor.Terminated](h.t, h.events)
	if !term.Who.Equal(h.peer) {
		h.t.Fatalf("terminated %v", term.Who)
	}
}

// cutFrames splits wire bytes into frames, checking each header.
func cutFrames(t *testing.T, wire []byte) []transport.Frame {
	t.Helper()
	var frames []transport.Frame
	for len(wire) > 0 {
		hdr, err := protocol.ParseHeader(wire)
		if err != nil {
			t.Fatalf("cut frames: %v", err)
		}
		end := protocol.HeaderSize + int(hdr.Length)
		if end > len(wire) {
			t.Fatalf("cut frames: %s frame of %d bytes, %d left", hdr.CommandName(), end, len(wire))
		}
		frames = append(frames, transport.Frame{Command: hdr.CommandName(), Payload: wire[protocol.HeaderSize:end]})
		wire = wire[end:]
	}
	return frames
}

func commands(msgs []protocol.Message) []string {
	cmds := make([]string, len(msgs))
	for i, m := range msgs {
		cmds[i] = m.Command()
	}
	return cmds
}

func wantCommands(t *testing.T, msgs []protocol.Message, want ...string) {
	t.Helper()
	if got := commands(msgs); !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
}

func remoteVersion(nonce uint64) *protocol.MsgVersion {
	return &protocol.MsgVersion{
		ProtocolVersion: 70016,
		Services:        protocol.SFNodeNetwork | protocol.SFNodeWitness,
		Timestamp:       time.Now().Unix(),
		AddrRecv:        protocol.NetAddress{Addr: netip.MustParseAddr("127.0.0.1"), Port: 18444},
		AddrFrom:        protocol.NetAddress{Addr: netip.IPv6Unspecified()},
		Nonce:           nonce,
		UserAgent:       "/remote:1.0/",
		StartHeight:     120,
		Relay:           true,
	}
}

// handshake completes an outbound handshake and returns the ping we sent.
func (h *harness) handshakeOutbound() *protocol.MsgPing {
	h.t.Helper()
	wantCommands(h.t, h.expectSend(nil), "version")
	rcv := h.post(remoteVersion(99), &protocol.MsgVerack{})
	msgs := h.expectSend(rcv)
	wantCommands(h.t, msgs, "wtxidrelay", "sendaddrv2", "verack", "ping")
	expect[*Handshaken](h.t, h.events)
	return msgs[3].(*protocol.MsgPing)
}

func TestOutboundHandshake(t *testing.T) {
	nonces := NewNonces()
	h := newHarness(t, nonces)
	defer h.stop()

	msgs := h.expectSend(nil)
	wantCommands(t, msgs, "version")
	v := msgs[0].(*protocol.MsgVersion)
	if v.ProtocolVersion != int32(protocol.ProtocolVersion) || v.UserAgent != "/actornode-test:0.1/" ||
		(v.AddrRecv.Addr.IsValid() && !v.AddrRecv.Addr.IsUnspecified()) || // loopback: not named, as Core
		!nonces.Contains(v.Nonce) {
		t.Fatalf("version = %+v (nonce registered: %v)", v, nonces.Contains(v.Nonce))
	}

	rcv := h.post(remoteVersion(99), &protocol.MsgVerack{})
	wantCommands(t, h.expectSend(rcv), "wtxidrelay", "sendaddrv2", "verack", "ping")
	hs := expect[*Handshaken](t, h.events)
	if hs.ID != 1 || !hs.PID.Equal(h.peer) || hs.Conn != conn || hs.Remote != remoteAddr || hs.Inbound ||
		hs.Version.Nonce != 99 || hs.Version.UserAgent != "/remote:1.0/" {
		t.Fatalf("handshaken = %+v", hs)
	}
	if nonces.Len() != 0 {
		t.Fatal("nonce still registered after the handshake")
	}
	for _, line := range []string{"sending version", "received version", "sending verack", "received verack", "ping", "handshake complete"} {
		if h.logs.FilterMessage(line).Len() == 0 {
			t.Errorf("no %q log line", line)
		}
	}
	expectEmpty(t, h.io)
}

func TestInboundHandshake(t *testing.T) {
	h := newHarness(t, NewNonces(), inbound)
	defer h.stop()

	rcv := h.post(remoteVersion(99))
	wantCommands(t, h.expectSend(rcv), "version", "wtxidrelay", "sendaddrv2", "verack")
	rcv = h.post(&protocol.MsgWtxidRelay{}, &protocol.MsgSendAddrV2{}, &protocol.MsgVerack{})
	wantCommands(t, h.expectSend(rcv), "ping")
	if hs := expect[*Handshaken](t, h.events); !hs.Inbound {
		t.Fatal("handshaken not inbound")
	}
}

func TestEveryBatchAcknowledgedOnce(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	// An empty batch, a batch of messages needing no reply, a ping.
	rcv := h.post()
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v to nothing", commands(msgs))
	}
	rcv = h.post(&protocol.MsgSendHeaders{}, &protocol.MsgFeeFilter{MinFee: 1000}, &protocol.MsgSendHeaders{})
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v", commands(msgs))
	}
	// The first sendheaders goes to the handlers (the chain announces
	// blocks), the repeat does not (the probe sees nothing more below).
	if d := expect[*dispatcher.Deliver](t, h.disp); d.Msg.Command() != protocol.CmdSendHeaders {
		t.Fatalf("forwarded %s, want sendheaders", d.Msg.Command())
	}
	rcv = h.post(&protocol.MsgPing{Nonce: 0xabc}, &protocol.MsgPing{Nonce: 0xdef})
	msgs := h.expectSend(rcv)
	wantCommands(t, msgs, "pong", "pong")
	if msgs[0].(*protocol.MsgPong).Nonce != 0xabc || msgs[1].(*protocol.MsgPong).Nonce != 0xdef {
		t.Fatalf("pongs = %+v %+v", msgs[0], msgs[1])
	}

	// A known command that does not decode is dropped; the peer lives on.
	rcv = h.postWire(protocol.AppendRawFrame(nil, h.params.Magic, "ping", []byte{1, 2, 3}))
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v to a bad ping", commands(msgs))
	}
	info := h.info()
	if info.BytesRecvPerMsg["ping"] != 2*(24+8)+24+3 || info.BytesSentPerMsg["pong"] != 2*(24+8) {
		t.Fatalf("per-message bytes: recv %v sent %v", info.BytesRecvPerMsg, info.BytesSentPerMsg)
	}
	expectEmpty(t, h.io)
	expectEmpty(t, h.disp)
}

func TestForwardsToDispatcher(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	inv := &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeTx, Hash: protocol.Hash{1, 2, 3}}}}
	// A tiny but valid transaction: one input, one output.
	tx := &protocol.MsgTx{
		Version: 2,
		TxIn: []protocol.TxIn{{PreviousOutPoint: protocol.OutPoint{Hash: protocol.Hash{4}, Index: 1},
			SignatureScript: []byte{0x51}, Sequence: 0xffffffff}},
		TxOut: []protocol.TxOut{{Value: 5000, PkScript: []byte{0x6a, 0x01, 0x2a}}},
	}
	var wire []byte
	wire = protocol.AppendFrame(wire, h.params.Magic, inv, protocol.ProtocolVersion)
	wire = protocol.AppendFrame(wire, h.params.Magic, tx, protocol.ProtocolVersion)
	// An unknown command is not.
	wire = protocol.AppendRawFrame(wire, h.params.Magic, "unknowncmd", []byte{0xaa, 0xbb})
	rcv := h.postWire(wire)
	h.expectSend(rcv)
	// io may reuse the buffer once the batch is acknowledged.
	clear(wire)

	d := expect[*dispatcher.Deliver](t, h.disp)
	if d.From.ID != 1 || !d.From.PID.Equal(h.peer) || d.From.Remote != remoteAddr {
		t.Fatalf("from = %+v", d.From)
	}
	if got, ok := d.Msg.(*protocol.MsgInv); !ok || len(got.InvList) != 1 || got.InvList[0].Hash != (protocol.Hash{1, 2, 3}) {
		t.Fatalf("forwarded %+v", d.Msg)
	}
	d = expect[*dispatcher.Deliver](t, h.disp)
	if got, ok := d.Msg.(*protocol.MsgTx); !ok || len(got.TxIn) != 1 || len(got.TxOut) != 1 ||
		got.TxIn[0].PreviousOutPoint != tx.TxIn[0].PreviousOutPoint ||
		!slices.Equal(got.TxIn[0].SignatureScript, []byte{0x51}) ||
		got.TxOut[0].Value != 5000 || !slices.Equal(got.TxOut[0].PkScript, []byte{0x6a, 0x01, 0x2a}) {
		t.Fatalf("forwarded %+v", d.Msg)
	}
	// The unknown command was dropped unparsed, and counted as *other*.
	expectEmpty(t, h.disp)
	expectEmpty(t, h.io)
	p := newProbe(h.system, h.wait)
	defer h.system.Root.Stop(p.pid)
	h.system.Root.Send(h.peer, &GetInfo{ReplyTo: p.pid})
	if info := expect[*Info](t, p); info.BytesRecvPerMsg[otherCommand] != protocol.HeaderSize+2 {
		t.Fatalf("bytes received per message %v", info.BytesRecvPerMsg)
	}
}

// tooManyAddr is an addr frame whose count says 1001 with every entry
// present: it decodes to an error wrapping protocol.ErrTooMany.
func (h *harness) tooManyAddr() []byte {
	h.t.Helper()
	addrs := make([]protocol.NetAddress, protocol.MaxAddrPerMsg+1)
	for i := range addrs {
		addrs[i] = protocol.NetAddress{Timestamp: 1700000000, Addr: netip.AddrFrom4([4]byte{127, 0, 1, byte(i)}), Port: 8333}
	}
	wire := protocol.AppendFrame(nil, h.params.Magic, &protocol.MsgAddr{AddrList: addrs}, protocol.ProtocolVersion)
	if _, err := protocol.Decode(protocol.CmdAddr, wire[protocol.HeaderSize:], protocol.ProtocolVersion); !errors.Is(err, protocol.ErrTooMany) {
		h.t.Fatalf("oversized addr decodes with %v, want ErrTooMany", err)
	}
	return wire
}

// shortInv is an inv frame whose count says 2 with only one entry present:
// undecodable, but not for too many entries.
func (h *harness) shortInv() []byte {
	h.t.Helper()
	inv := &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeTx, Hash: protocol.Hash{1}}}}
	payload := inv.AppendPayload(nil, protocol.ProtocolVersion)
	payload[0] = 2
	_, err := protocol.Decode(protocol.CmdInv, payload, protocol.ProtocolVersion)
	if err == nil || errors.Is(err, protocol.ErrTooMany) {
		h.t.Fatalf("short inv decodes with %v, want an error other than ErrTooMany", err)
	}
	return protocol.AppendRawFrame(nil, h.params.Magic, protocol.CmdInv, payload)
}

func TestTooManyEntriesDisconnectsAfterHandshake(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	// Undecodable for another reason: dropped, and the peer goes on.
	rcv := h.postWire(h.shortInv())
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v to a short inv", commands(msgs))
	}
	rcv = h.post(&protocol.MsgPing{Nonce: 5})
	if msgs := h.expectSend(rcv); len(msgs) != 1 || msgs[0].(*protocol.MsgPong).Nonce != 5 {
		t.Fatalf("answered the ping after a short inv with %v", commands(msgs))
	}
	expectEmpty(t, h.disp)

	// Too many entries is misbehaviour (Core's Misbehaving): the peer
	// reports it to its parent, which decides, and goes on meanwhile; the
	// oversized addr itself is dropped.
	var wire []byte
	wire = append(wire, h.tooManyAddr()...)
	wire = protocol.AppendFrame(wire, h.params.Magic, &protocol.MsgPing{Nonce: 6}, protocol.ProtocolVersion)
	wire = append(wire, h.tooManyAddr()...)
	rcv = h.postWire(wire)
	if msgs := h.expectSend(rcv); len(msgs) != 1 || msgs[0].(*protocol.MsgPong).Nonce != 6 {
		t.Fatalf("replied %v to an oversized addr and a ping", commands(msgs))
	}
	mb := expect[*Misbehaved](t, h.events)
	if mb.ID != 1 || mb.Conn != conn || !mb.PID.Equal(h.peer) || mb.Remote != remoteAddr || mb.Reason != machine.TooManyEntries {
		t.Fatalf("misbehaved = %+v", mb)
	}
	expectEmpty(t, h.events) // once per batch
	expectEmpty(t, h.io)     // no close: the parent's decision
	expectEmpty(t, h.disp)
	h.closed(machine.TooManyEntries)
}

// A handler that finds misbehaviour (a *Disconnect whose reason
// discourages) gets the peer reported to its parent, not closed; a plain
// reason closes.
func TestHandlerMisbehaviourReported(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()
	h.system.Root.Send(h.peer, &Disconnect{Reason: fmt.Errorf("bad headers: %w", machine.TooManyEntries)})
	if mb := expect[*Misbehaved](t, h.events); mb.Reason != machine.TooManyEntries || mb.ID != 1 {
		t.Fatalf("misbehaved = %+v", mb)
	}
	expectEmpty(t, h.io)
	h.system.Root.Send(h.peer, &Disconnect{Reason: errors.New("locator too large")})
	h.expectClose(machine.Requested)
	expectEmpty(t, h.events)
}

// A peer without a parent has nobody to decide: misbehaviour closes the
// connection like a plain rule.
func TestMisbehaviourWithoutParentCloses(t *testing.T) {
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	io := newProbe(system, realWait)
	defer system.Root.Stop(io.pid)
	h := &harness{t: t, system: system, params: params, io: io}
	pid := system.Root.Spawn(Props(Config{ID: 1, Conn: conn, Remote: remoteAddr, Network: params,
		Services: protocol.SFNodeNetwork, IO: io.pid, Nonces: NewNonces()}))
	h.peer = pid
	defer system.Root.Stop(pid)
	wantCommands(t, h.expectSend(nil), "version")
	rcv := h.post(remoteVersion(9), &protocol.MsgVerack{})
	h.expectSend(rcv)
	var wire []byte
	wire = append(wire, h.tooManyAddr()...)
	wire = protocol.AppendFrame(wire, h.params.Magic, &protocol.MsgPing{Nonce: 6}, protocol.ProtocolVersion)
	rcv = h.postWire(wire)
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v after closing", commands(msgs))
	}
	h.expectClose(machine.TooManyEntries)
}

func TestBeforeHandshakeIgnoredUnparsed(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	wantCommands(t, h.expectSend(nil), "version")

	// Before the remote's version, and again between it and its verack.
	rcv := h.postWire(append(h.tooManyAddr(), h.shortInv()...))
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v before the handshake", commands(msgs))
	}
	rcv = h.post(remoteVersion(99))
	wantCommands(t, h.expectSend(rcv), "wtxidrelay", "sendaddrv2", "verack")
	rcv = h.postWire(append(h.tooManyAddr(), h.shortInv()...))
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v before verack", commands(msgs))
	}
	p := newProbe(h.system, h.wait)
	h.system.Root.Send(h.peer, &inspect.Describe{ReplyTo: p.pid})
	// Core ignores them unparsed, and so do we: nothing was decoded.
	if d := expect[*inspect.Description](t, p); d.Summary["decode_errors"] != nil || d.Summary["handshake"] != "awaiting-verack" {
		t.Errorf("summary %+v, want no decode errors while awaiting verack", d.Summary)
	}
	h.system.Root.Stop(p.pid)
	expectEmpty(t, h.io)

	// The connection lives on: the handshake completes.
	rcv = h.post(&protocol.MsgVerack{})
	wantCommands(t, h.expectSend(rcv), "ping")
	expect[*Handshaken](t, h.events)
	expectEmpty(t, h.io)
	expectEmpty(t, h.disp)
}

func TestNothingForwardedBeforeHandshake(t *testing.T) {
	h := newHarness(t, NewNonces(), inbound)
	defer h.stop()
	rcv := h.post(&protocol.MsgGetAddr{}, &protocol.MsgPing{Nonce: 1})
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v before version", commands(msgs))
	}
	h.info()
	expectEmpty(t, h.disp)
}

func TestSelfConnection(t *testing.T) {
	nonces := NewNonces()
	out := newHarness(t, nonces)
	defer out.stop()
	ours := out.expectSend(nil)[0].(*protocol.MsgVersion)

	in := newHarness(t, nonces, inbound)
	defer in.stop()
	rcv := in.post(ours)
	if msgs := in.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("sent %v to ourselves", commands(msgs))
	}
	in.expectClose(machine.SelfConnection)
	in.closed(machine.SelfConnection)
	if in.logs.FilterMessage("disconnected").FilterField(zap.String("reason", "self-connection")).Len() != 1 {
		t.Fatal("no disconnect log line with the reason")
	}
}

// TestMissingServicesRefusedBeforeVerack: a connection expecting services
// (Config.ExpectServices, set by connmgr for automatic outbound ones) closes
// on a version lacking them, sending no verack, with Core's words in the
// close reason that reaches io and then connmgr.
func TestMissingServicesRefusedBeforeVerack(t *testing.T) {
	h := newHarness(t, NewNonces(), func(_ *harness, c *Config) {
		c.ExpectServices = protocol.SFNodeNetwork | protocol.SFNodeWitness
	})
	defer h.stop()
	wantCommands(t, h.expectSend(nil), "version")
	v := remoteVersion(99)
	v.Services = protocol.SFNodeNetworkLimited
	rcv := h.post(v, &protocol.MsgVerack{})
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("sent %v to a peer refused for its services", commands(msgs))
	}
	c := expect[*transport.Close](t, h.io)
	if !errors.Is(c.Reason, machine.MissingServices) ||
		!strings.Contains(c.Reason.Error(), "does not offer the expected services (00000400 offered, 00000009 expected)") {
		t.Fatalf("close reason %v, want missing services with what was offered and expected", c.Reason)
	}
	h.closed(c.Reason) // its first event is the peer's end: no Handshaken
}

func TestMalformedVersionDisconnects(t *testing.T) {
	h := newHarness(t, NewNonces(), inbound)
	defer h.stop()
	rcv := h.postWire(protocol.AppendRawFrame(nil, h.params.Magic, "version", []byte{0x7f, 0x11}))
	h.expectSend(rcv)
	h.expectClose(machine.ProtocolViolation)
}

func TestPausedQueuesBatches(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	h.system.Root.Send(h.peer, &transport.SendPaused{Conn: conn})
	r1 := h.post(&protocol.MsgPing{Nonce: 1})
	r2 := h.post(&protocol.MsgPing{Nonce: 2})
	h.info() // both batches reached the peer
	expectEmpty(t, h.io)

	h.system.Root.Send(h.peer, &transport.SendResumed{Conn: conn})
	if m := h.expectSend(r1); m[0].(*protocol.MsgPong).Nonce != 1 {
		t.Fatal("first batch answered wrongly")
	}
	if m := h.expectSend(r2); m[0].(*protocol.MsgPong).Nonce != 2 {
		t.Fatal("second batch answered wrongly")
	}
}

func TestClosedWhilePausedAcknowledgesQueue(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()
	h.system.Root.Send(h.peer, &transport.SendPaused{Conn: conn})
	r1 := h.post(&protocol.MsgPing{Nonce: 1})
	h.closed(errors.New("EOF"))
	if msgs := h.expectSend(r1); len(msgs) != 0 {
		t.Fatalf("replied %v on a closed connection", commands(msgs))
	}
}

func TestSendMessage(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()
	h.system.Root.Send(h.peer, &SendMessage{Msg: &protocol.MsgGetAddr{}})
	wantCommands(t, h.expectSend(nil), "getaddr")
	if info := h.info(); info.BytesSentPerMsg["getaddr"] != 24 {
		t.Fatalf("sent per msg = %v", info.BytesSentPerMsg)
	}
}

func TestDisconnectRequested(t *testing.T) {
	nonces := NewNonces()
	h := newHarness(t, nonces)
	defer h.stop()
	h.expectSend(nil) // version
	cause := errors.New("misbehaving")
	h.system.Root.Send(h.peer, &Disconnect{Reason: cause})
	c := expect[*transport.Close](t, h.io)
	if !errors.Is(c.Reason, machine.Requested) || !errors.Is(c.Reason, cause) {
		t.Fatalf("close reason = %v", c.Reason)
	}
	var r Reason
	if !errors.As(c.Reason, &r) || r != machine.Requested {
		t.Fatalf("reason not recoverable from %v", c.Reason)
	}
	// Batches still in flight are acknowledged, not processed.
	rcv := h.post(remoteVersion(5))
	if msgs := h.expectSend(rcv); len(msgs) != 0 {
		t.Fatalf("replied %v after disconnect", commands(msgs))
	}
	h.closed(c.Reason)
	if nonces.Len() != 0 {
		t.Fatal("nonce kept after disconnect")
	}
}

func TestStoppedByParentClosesConnection(t *testing.T) {
	nonces := NewNonces()
	h := newHarness(t, nonces)
	defer h.stop()
	h.expectSend(nil)
	if err := h.system.Root.StopFuture(h.peer).Wait(); err != nil {
		t.Fatal(err)
	}
	h.expectClose(machine.Requested)
	if nonces.Len() != 0 {
		t.Fatal("nonce kept after stop")
	}
}

func TestGetInfo(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()
	info := h.info()
	if info.ID != 1 || info.Addr != remoteAddr.String() || info.AddrLocal != "127.0.0.1:18444" ||
		info.Services != "0000000000000009" || !slices.Equal(info.ServicesNames, []string{"NETWORK", "WITNESS"}) ||
		!info.RelayTxes || info.Version != 70016 || info.SubVer != "/remote:1.0/" || info.StartingHeight != 120 ||
		info.Inbound || info.ConnectionType != "outbound-full-relay" || !info.Handshaken ||
		info.ConnTime == 0 || info.LastSend == 0 || info.LastRecv == 0 || info.PingWait <= 0 {
		t.Fatalf("info = %+v", info)
	}
	var sent, recv uint64
	for _, n := range info.BytesSentPerMsg {
		sent += n
	}
	for _, n := range info.BytesRecvPerMsg {
		recv += n
	}
	if sent != info.BytesSent || recv != info.BytesRecv || info.BytesRecvPerMsg["verack"] != 24 {
		t.Fatalf("byte counts: %d %v / %d %v", info.BytesSent, info.BytesSentPerMsg, info.BytesRecv, info.BytesRecvPerMsg)
	}
}

func TestDescribe(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	p := newProbe(h.system, h.wait)
	h.system.Root.Send(h.peer, &inspect.Describe{ReplyTo: p.pid})
	d := expect[*inspect.Description](t, p)
	if d.Kind != "peer" || !d.Self.Equal(h.peer) || d.Summary["addr"] != remoteAddr.String() ||
		d.Summary["inbound"] != false || d.Summary["handshake"] != "awaiting-version" || len(d.Children) != 0 {
		t.Fatalf("description = %+v", d)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, NewNonces(), inbound, inBubble)
		defer h.stop()
		start := time.Now()
		h.expectClose(machine.HandshakeTimeout)
		if el := time.Since(start); el != machine.DefaultHandshakeTimeout {
			t.Fatalf("closed after %v", el)
		}
		h.closed(machine.HandshakeTimeout)
	})
}

func TestPingPongAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, NewNonces(), inBubble)
		defer h.stop()
		ping := h.handshakeOutbound()
		start := time.Now()

		time.Sleep(30 * time.Millisecond)
		h.expectSend(h.post(&protocol.MsgPong{Nonce: ping.Nonce}))
		if info := h.info(); info.PingTime != 0.03 || info.MinPing != 0.03 || info.PingWait != 0 {
			t.Fatalf("ping %v min %v wait %v", info.PingTime, info.MinPing, info.PingWait)
		}

		// The next ping goes out unprompted two minutes after the first.
		msgs := h.expectSend(nil)
		wantCommands(t, msgs, "ping")
		if el := time.Since(start); el != machine.DefaultPingInterval {
			t.Fatalf("second ping after %v", el)
		}
		// Unanswered, it times out twenty minutes later.
		h.expectClose(machine.PingTimeout)
		if el := time.Since(start); el != machine.DefaultPingInterval+machine.DefaultPingTimeout {
			t.Fatalf("ping timeout after %v", el)
		}
		h.closed(machine.PingTimeout)
	})
}

func TestNonces(t *testing.T) {
	n := NewNonces()
	n.Add(1)
	n.Add(2)
	n.Remove(1)
	n.Remove(3)
	if n.Contains(1) || !n.Contains(2) || n.Len() != 1 {
		t.Fatal("set misbehaves")
	}
}

// TestPingFastPath: with debug lines off, pings are answered without
// decoding, each pong carrying its ping's nonce and a valid checksum
// (reused from the ping), in one Send per batch; the byte counters still
// count them.
func TestPingFastPath(t *testing.T) {
	h := newHarness(t, NewNonces(), infoLogs)
	defer h.stop()
	h.handshakeOutbound()
	var wire []byte
	for _, m := range []protocol.Message{&protocol.MsgPing{Nonce: 1}, &protocol.MsgGetAddr{}, &protocol.MsgPing{Nonce: 0xfedcba9876543210}} {
		wire = protocol.AppendFrame(wire, h.params.Magic, m, protocol.ProtocolVersion)
	}
	// Cut as io cuts, checksums included, which the pongs reuse.
	d, err := transport.Deframe(wire, h.params.Magic, nil)
	if err != nil || len(d.Frames) != 3 {
		t.Fatalf("deframe: %v %+v", err, d)
	}
	rcv := &transport.Received{Conn: conn, Frames: d.Frames, Size: len(wire)}
	h.system.Root.Send(h.peer, rcv)
	s := expect[*transport.Send](t, h.io)
	if s.Ack != rcv {
		t.Fatalf("send %+v does not acknowledge the batch", s)
	}
	out, err := transport.Deframe(s.Data, h.params.Magic, nil)
	if err != nil || out.BadChecksums != 0 || out.Used != len(s.Data) {
		t.Fatalf("pongs: %v, %d bad checksums, %d of %d bytes", err, out.BadChecksums, out.Used, len(s.Data))
	}
	var msgs []protocol.Message
	for _, f := range out.Frames {
		m, err := protocol.Decode(f.Command, f.Payload, protocol.ProtocolVersion)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	wantCommands(t, msgs, "pong", "pong")
	if msgs[0].(*protocol.MsgPong).Nonce != 1 || msgs[1].(*protocol.MsgPong).Nonce != 0xfedcba9876543210 {
		t.Fatalf("pongs = %+v %+v", msgs[0], msgs[1])
	}
	info := h.info()
	if info.BytesRecvPerMsg["ping"] != 2*(24+8) || info.BytesSentPerMsg["pong"] != 2*(24+8) {
		t.Fatalf("per-message bytes: recv %v sent %v", info.BytesRecvPerMsg, info.BytesSentPerMsg)
	}
}

// TestGetInfoRelayTxesOfBlockRelayOnly: Core keeps no transaction relay for
// a block-relay-only peer, so getpeerinfo's relaytxes is false there
// whatever the remote's version said.
func TestGetInfoRelayTxesOfBlockRelayOnly(t *testing.T) {
	h := newHarness(t, NewNonces(), func(_ *harness, cfg *Config) {
		cfg.BlockRelayOnly = true
	})
	defer h.stop()
	h.handshakeOutbound()
	if info := h.info(); info.RelayTxes || info.Version != 70016 {
		t.Fatalf("relaytxes %v (version %d), want false for a block-relay-only peer", info.RelayTxes, info.Version)
	}
}

// Config.Height is read when the version message is made.
func TestStartHeightFromHeight(t *testing.T) {
	var height atomic.Int32
	height.Store(777)
	h := newHarness(t, NewNonces(), func(_ *harness, c *Config) { c.Height = &height })
	defer h.stop()
	msgs := h.expectSend(nil)
	if v := msgs[0].(*protocol.MsgVersion); v.StartHeight != 777 {
		t.Fatalf("start height %d, want 777", v.StartHeight)
	}
}
