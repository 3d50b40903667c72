//go:build linux && !transport_portable

package transport

import (
	"fmt"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// SpeaksV2 says whether Props' io speaks BIP324's v2 transport
// (Config.V2, Dial.V2): the epoll io does (and so does the portable one).
const SpeaksV2 = true

// keyPoolSize is how many ready keys (with their garbage) the key maker
// keeps ahead of the connections that will take them.
const keyPoolSize = 32

// v2Slack is room added to a buffer re-encoding v1 frames as v2 packets: a
// message type outside BIP324's short ids costs 9 bytes more than its v1
// header.
const v2Slack = 256

// v2conn is the BIP324 state of one connection while it may speak v2: an
// inbound connection until its first bytes tell v1 from v2 (a v1 peer
// drops it), an outbound one dialled with Dial.V2, and every v2
// connection for its life. Only the loop goroutine touches it, except the
// Session while agreeing, which belongs to the goroutine running AgreeKeys
// until it posts keysAgreed.
type v2conn struct {
	s *bip324.Session
	// agreeing: AgreeKeys runs on another goroutine; reading is stopped
	// and the Session is not touched until keysAgreed arrives.
	agreeing bool
	// established: the peer's version packet arrived.
	established bool
	// held are Sends' Data (v1 frames) waiting for the send ciphers, or
	// for an inbound peer to show whether it speaks v1.
	held [][]byte
	// written counts the bytes written to the socket, for
	// ShouldReconnectV1.
	written int
}

// keyAndGarbage is what a new Session needs of randomness.
type keyAndGarbage struct {
	key     bip324.Key
	garbage []byte
	err     error
}

// keyMaker makes keys and garbage on a goroutine of its own, ahead of need,
// so the loop does not spend half a millisecond on each new v2-capable
// connection. It starts at the first need and stops with its io actor.
type keyMaker struct {
	ch   chan keyAndGarbage
	stop chan struct{}
}

func newKeyAndGarbage() keyAndGarbage {
	k, g, err := bip324.NewKeyAndGarbage()
	return keyAndGarbage{key: k, garbage: g, err: err}
}

func startKeyMaker() *keyMaker {
	m := &keyMaker{ch: make(chan keyAndGarbage, keyPoolSize), stop: make(chan struct{})}
	go func() {
		for {
			kg := newKeyAndGarbage()
			select {
			case m.ch <- kg:
			case <-m.stop:
				return
			}
		}
	}()
	return m
}

// keys returns a fresh key and garbage: a ready one when the key maker has
// one, else one made now (counted in Stats.V2KeysInline).
func (a *ioActor) keys() keyAndGarbage {
	if a.keyMaker == nil {
		a.keyMaker = startKeyMaker()
	}
	select {
	case kg := <-a.keyMaker.ch:
		return kg
	default:
		a.v2KeysInline++
		return newKeyAndGarbage()
	}
}

// stopKeyMaker ends the key maker's goroutine.
func (a *ioActor) stopKeyMaker() {
	if a.keyMaker != nil {
		close(a.keyMaker.stop)
		a.keyMaker = nil
	}
}

// newV2 gives c a BIP324 session: a responder for an inbound connection
// (which still may turn out v1), taking a key only once the peer's first
// bytes show v2, so v1 peers cost none; an initiator for an outbound one,
// whose key and garbage it queues at once.
func (a *ioActor) newV2(c *conn, initiator bool) error {
	cfg := bip324.Config{Magic: a.cfg.Magic, Initiator: initiator, DeferKeyAgreement: true}
	if initiator {
		kg := a.keys()
		if kg.err != nil {
			return kg.err
		}
		cfg.Key, cfg.Garbage = kg.key, kg.garbage
	} else {
		cfg.NewKey = func() (bip324.Key, []byte, error) {
			kg := a.keys() // on the loop: Received runs there
			return kg.key, kg.garbage, kg.err
		}
	}
	s, err := bip324.NewSession(cfg)
	if err != nil {
		return err
	}
	c.v2 = &v2conn{s: s}
	if initiator {
		out := s.Start(a.pool.get(bip324.KeySize + len(cfg.Garbage)))
		a.enqueue(c, out)
	}
	return nil
}

// initInbound makes an accepted connection v2-capable when Config.V2 is
// set: its first bytes decide (Core's V2Transport in its MAYBE_V1 state).
func (a *ioActor) initInbound(c *conn) {
	if !a.cfg.V2 {
		return
	}
	if err := a.newV2(c, false); err != nil {
		// Without randomness there is no v2: serve the peer as v1.
		a.log.Warn("io: no BIP324 key for an inbound connection; serving v1")
		c.v2 = nil
	}
}

// sendV2 takes a Send's Data (v1 frames) on a v2-capable connection: it
// holds it until the send ciphers exist, else re-encodes it as packets. It
// reports the bytes to queue, nil when held or failed.
func (a *ioActor) sendV2(c *conn, data []byte) []byte {
	v := c.v2
	if v.agreeing || !v.s.CanSend() {
		v.held = append(v.held, data)
		return nil
	}
	enc, err := v.s.AppendV1Frames(a.pool.get(len(data)+v2Slack), data)
	a.pool.put(data)
	if err != nil {
		a.pool.put(enc)
		a.closeConn(c, fmt.Errorf("v2 transport: send: %w", err))
		return nil
	}
	return enc
}

// releaseHeld queues what c held: encrypted once c's Session can send, as
// they are when c turned out v1.
func (a *ioActor) releaseHeld(c *conn, v *v2conn) {
	held := v.held
	v.held = nil
	for i, data := range held {
		held[i] = nil
		if c.state != connOpen {
			a.pool.put(data)
			continue
		}
		if c.v2 != nil {
			data = a.sendV2(c, data)
		}
		if data != nil {
			a.enqueue(c, data)
		}
	}
}

// v2Read is what receiveV2 did with one batch of bytes.
type v2Read struct {
	used, next int
	// v1: c's peer speaks v1; the bytes, all unconsumed, are for Deframe.
	v1 bool
	// closed: c was closed.
	closed bool
}

// receiveV2 feeds data (the unconsumed bytes of c) to c's Session, queues
// what it answers, delivers the messages (payloads decrypted in place;
// backing, when set, is a whole-packet buffer the Received takes over) and
// starts key agreement when the peer's key is whole. A Session error
// closes c, and c only.
func (a *ioActor) receiveV2(c *conn, data, backing []byte) v2Read {
	v := c.v2
	r, err := v.s.Received(data, nil, a.msgs[:0])
	if len(r.Out) > 0 {
		a.enqueue(c, r.Out)
	}
	a.v2Decoys += uint64(r.Decoys)
	a.v2Dropped += uint64(r.Dropped)
	if len(r.Messages) > 0 {
		frames, wire := a.frames[:0], 0
		for _, m := range r.Messages {
			// Checksum stays zero: a v2 message has none, and a pong
			// built for it (protocol.AppendPong) computes its own,
			// which AppendV1Frames then drops.
			frames = append(frames, Frame{Command: m.Command, Payload: m.Payload})
			// The receive limit counts what v1 would: header and payload.
			wire += protocol.HeaderSize + len(m.Payload)
		}
		a.deliver(c, frames, wire, backing)
		a.frames = frames[:0]
	} else if backing != nil {
		a.pool.put(backing)
	}
	clear(r.Messages)
	a.msgs = r.Messages[:0]
	if err != nil {
		a.v2Failures++
		a.closeConn(c, fmt.Errorf("v2 transport: %w", err))
		return v2Read{closed: true}
	}
	if r.V1 {
		c.v2 = nil
		a.releaseHeld(c, v)
		return v2Read{v1: true}
	}
	if r.Established {
		v.established = true
		a.v2Established++
		id, _ := v.s.SessionID()
		a.post(c.owner, &Encrypted{Conn: c.id, SessionID: id})
		if c.peer != nil && !c.peer.Equal(c.owner) {
			a.post(c.peer, &Encrypted{Conn: c.id, SessionID: id})
		}
	}
	if len(v.held) > 0 && v.s.CanSend() {
		a.releaseHeld(c, v)
	}
	if r.NeedKeys {
		a.agree(c, v)
	}
	return v2Read{used: r.Used, next: r.Next}
}

// keysAgreed is what the goroutine running AgreeKeys posts back to io.
type keysAgreed struct {
	conn ConnID
	err  error
}

// agree runs the ECDH of c's Session on a goroutine of its own, with c's
// reading stopped, so the loop never stalls on it.
func (a *ioActor) agree(c *conn, v *v2conn) {
	v.agreeing = true
	a.updateInterest(c)
	sys, self, id, s := a.sys, a.self, c.id, v.s
	go func() {
		err := s.AgreeKeys()
		sys.Root.Send(self, &keysAgreed{conn: id, err: err})
	}()
}

// agreed resumes c once its keys are agreed: the bytes kept meanwhile go
// to the Session, which then answers with our terminator and version
// packet.
func (a *ioActor) agreed(m *keysAgreed) {
	c := a.connOf(m.conn)
	if c == nil || c.v2 == nil || !c.v2.agreeing {
		return
	}
	c.v2.agreeing = false
	if m.err != nil {
		a.v2Failures++
		a.closeConn(c, fmt.Errorf("v2 transport: %w", m.err))
		return
	}
	if c.state != connOpen && c.state != connClosing {
		return
	}
	data := a.rbuf[:copy(a.rbuf, c.partial)]
	res := a.receiveV2(c, data, nil)
	if res.closed {
		return
	}
	a.keepRest(c, data[res.used:], res.next)
	a.updateInterest(c)
}

// reconnectV1 reports, as c closes, whether Core would retry its peer with
// v1 (ShouldReconnectV1).
func (c *conn) reconnectV1() bool {
	v := c.v2
	return v != nil && !v.agreeing && v.s.ShouldReconnectV1(v.written)
}
