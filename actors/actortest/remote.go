package actortest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// HandshakeTimeout bounds each step of Remote.Handshake.
const HandshakeTimeout = 10 * time.Second

// RemoteUserAgent is the user agent of the version message NewVersion makes.
const RemoteUserAgent = "/actortest:0.1/"

// ErrRemoteClosed is the reason a Remote gives when the test closes it.
var ErrRemoteClosed = errors.New("actortest: remote closed by the test")

// Remote is a scripted remote Bitcoin node: the test sends it messages to
// send and expects the messages the node under test sends it. It speaks the
// wire protocol over a connection of a Network (DialRemote, ListenRemote)
// or over a real TCP socket (DialTCP), with the same API.
//
// Every message received is decoded with protocol.Decode at the protocol
// version negotiated by Handshake (protocol.ProtocolVersion before) and
// recorded in arrival order. Expectations consume the oldest recorded
// message that satisfies them and leave the others pending, in order, for
// later expectations: a test can expect messages out of order and nothing
// is skipped silently. A payload that fails to decode is recorded as a
// *BadMessage, which fails the expectation that reaches it.
//
// Methods may be called from any goroutine, but those that fail the test
// (Send, SendRaw, Handshake) must be called from the test goroutine, as
// t.Fatalf requires.
type Remote struct {
	t        TB
	magic    uint32
	local    netip.AddrPort
	remote   netip.AddrPort
	outbound bool
	conn     remoteConn
	box      *inbox
	pver     atomic.Uint32
	autoPong atomic.Bool
	// features holds featureWtxidRelay and featureSendAddrV2, set by
	// Handshake.
	features atomic.Uint32
}

// remoteConn is how a Remote's bytes leave: a Network connection or a
// socket.
type remoteConn interface {
	// write sends data, one or more complete frames (or any bytes, for
	// SendRaw); data becomes the connection's.
	write(data []byte) error
	// close ends the connection with reason; the Remote's inbox is closed
	// once the end is seen. It is idempotent.
	close(reason error)
}

// BadMessage is what a Remote records for a frame whose payload
// protocol.Decode rejected.
type BadMessage struct {
	// Cmd is the frame's command.
	Cmd string
	// Payload is a copy of the frame's payload.
	Payload []byte
	// Err is Decode's error.
	Err error
}

// Command returns Cmd.
func (m *BadMessage) Command() string { return m.Cmd }

// AppendPayload appends Payload unchanged, so a BadMessage can be sent back.
func (m *BadMessage) AppendPayload(dst []byte, _ uint32) []byte { return append(dst, m.Payload...) }

// DecodePayload stores a copy of b and clears Err.
func (m *BadMessage) DecodePayload(b []byte, _ uint32) error {
	m.Payload, m.Err = append([]byte(nil), b...), nil
	return nil
}

func (m *BadMessage) describe() string {
	return fmt.Sprintf("undecodable %q (%d bytes): %v", m.Cmd, len(m.Payload), m.Err)
}

func newRemote(t TB, magic uint32, local, remote netip.AddrPort, outbound bool, conn remoteConn) *Remote {
	r := &Remote{t: t, magic: magic, local: local, remote: remote, outbound: outbound, conn: conn, box: newInbox()}
	r.pver.Store(protocol.ProtocolVersion)
	return r
}

// LocalAddr is the remote node's own address.
func (r *Remote) LocalAddr() netip.AddrPort { return r.local }

// RemoteAddr is the address of the node under test, as the remote sees it.
func (r *Remote) RemoteAddr() netip.AddrPort { return r.remote }

// Outbound reports whether the remote dialed the node (else the node
// dialed it).
func (r *Remote) Outbound() bool { return r.outbound }

// ProtocolVersion is the version messages are encoded and decoded at: the
// one Handshake negotiated, protocol.ProtocolVersion before.
func (r *Remote) ProtocolVersion() uint32 { return r.pver.Load() }

// SetProtocolVersion sets the version messages are encoded and decoded at,
// for a test that skips Handshake or wants another.
func (r *Remote) SetProtocolVersion(pver uint32) { r.pver.Store(pver) }

// SetAutoPong turns automatic pong answers on or off (off by default).
// While on, every ping received is answered at once with a pong carrying
// its nonce and is not left pending for expectations (Received still lists
// it).
func (r *Remote) SetAutoPong(on bool) { r.autoPong.Store(on) }

// Send encodes msg as a frame and sends it; it fails the test if the
// connection cannot take it (a socket write failed). Over a Network a send
// on a closed connection is dropped silently, as io drops it.
func (r *Remote) Send(msg protocol.Message) {
	r.t.Helper()
	r.SendRaw(protocol.AppendFrame(nil, r.magic, msg, r.pver.Load()))
}

// SendRaw sends b as it is: any bytes, a partial frame or several frames,
// a frame with a wrong checksum or magic. b becomes the Remote's.
func (r *Remote) SendRaw(b []byte) {
	r.t.Helper()
	if err := r.conn.write(b); err != nil {
		r.t.Fatalf("actortest: remote %s: send: %v", r.local, err)
	}
}

// Close closes the connection with ErrRemoteClosed as the reason (the node
// sees it end); it is idempotent. The connection also ends when the test
// does.
func (r *Remote) Close() {
	if closed, _ := r.box.closedReason(); !closed {
		r.conn.close(ErrRemoteClosed)
	}
}

// Received returns a snapshot of every message the remote received, oldest
// first, including those expectations have consumed.
func (r *Remote) Received() []protocol.Message {
	_, all := r.box.snapshot()
	return messages(all)
}

// Pending returns a snapshot of the received messages no expectation has
// consumed yet, oldest first.
func (r *Remote) Pending() []protocol.Message {
	pending, _ := r.box.snapshot()
	return messages(pending)
}

func messages(items []any) []protocol.Message {
	out := make([]protocol.Message, 0, len(items))
	for _, v := range items {
		out = append(out, v.(protocol.Message))
	}
	return out
}

// Expect consumes and returns the oldest pending message with command cmd,
// waiting up to timeout for one. Messages with other commands stay pending.
// It fails the test (t.Fatalf, with what the remote holds instead) if none
// arrives in time, if the connection ends first, or if the message reached
// could not be decoded.
func (r *Remote) Expect(t TB, cmd string, timeout time.Duration) protocol.Message {
	t.Helper()
	v, ok := r.box.take(func(m any) bool { return m.(protocol.Message).Command() == cmd }, timeout)
	if !ok {
		t.Fatalf("actortest: remote %s: no %q within %v; %s", r.local, cmd, timeout, r.box.describe())
		return nil
	}
	if bad, isBad := v.(*BadMessage); isBad {
		t.Fatalf("actortest: remote %s: %s", r.local, bad.describe())
		return nil
	}
	return v.(protocol.Message)
}

// ExpectAny consumes and returns the oldest pending message, whatever its
// command, waiting up to timeout; it fails the test if none arrives.
func (r *Remote) ExpectAny(t TB, timeout time.Duration) protocol.Message {
	t.Helper()
	v, ok := r.box.take(func(any) bool { return true }, timeout)
	if !ok {
		t.Fatalf("actortest: remote %s: no message within %v; %s", r.local, timeout, r.box.describe())
		return nil
	}
	return v.(protocol.Message)
}

// ExpectNone asserts that no message with command cmd is pending during d,
// failing the test as soon as one is. It consumes nothing.
func (r *Remote) ExpectNone(t TB, cmd string, d time.Duration) {
	t.Helper()
	v, found := r.box.waitNone(func(m any) bool { return m.(protocol.Message).Command() == cmd }, d)
	if found {
		t.Fatalf("actortest: remote %s: expected no %q for %v, got %s", r.local, cmd, d, describeValue(v))
	}
}

// ExpectClosed waits up to timeout for the connection to end and returns
// the reason the remote saw (io.EOF-wrapping when the node closed it); it
// fails the test if the connection is still open.
func (r *Remote) ExpectClosed(t TB, timeout time.Duration) error {
	t.Helper()
	ok, reason := r.box.waitClosed(timeout)
	if !ok {
		t.Fatalf("actortest: remote %s: connection still open after %v", r.local, timeout)
	}
	return reason
}

// Closed reports whether the connection has ended, and why.
func (r *Remote) Closed() (closed bool, reason error) { return r.box.closedReason() }

// ExpectMsg consumes and returns the oldest pending message of type T (a
// typed message such as *protocol.MsgPing), waiting up to timeout, like
// Remote.Expect.
func ExpectMsg[T protocol.Message](t TB, r *Remote, timeout time.Duration) T {
	t.Helper()
	v, ok := r.box.take(func(m any) bool {
		_, ok := m.(T)
		return ok
	}, timeout)
	if !ok {
		t.Fatalf("actortest: remote %s: no %s within %v; %s", r.local, typeName[T](), timeout, r.box.describe())
		var zero T
		return zero
	}
	return v.(T)
}

// NewVersion returns the version message Handshake sends when given nil,
// for a test to adjust: our protocol version, NETWORK|WITNESS services, the
// current time, the node's address as AddrRecv, a random nonce,
// RemoteUserAgent, height 0 and relay on.
func (r *Remote) NewVersion() *protocol.MsgVersion {
	return &protocol.MsgVersion{
		ProtocolVersion: int32(protocol.ProtocolVersion),
		Services:        protocol.SFNodeNetwork | protocol.SFNodeWitness,
		Timestamp:       time.Now().Unix(),
		AddrRecv:        protocol.NetAddress{Addr: r.remote.Addr(), Port: r.remote.Port()},
		AddrFrom:        protocol.NetAddress{Services: protocol.SFNodeNetwork | protocol.SFNodeWitness},
		Nonce:           rand.Uint64(),
		UserAgent:       RemoteUserAgent,
		Relay:           true,
	}
}

// Handshake does the version handshake as a Bitcoin Core node would, with
// ours as the remote's version (nil: NewVersion()), and returns the node's
// version. If the remote dialed, it sends its version first and then
// expects the node's; if the node dialed, it expects the node's version
// first. Then it sends, in one write, wtxidrelay (BIP339, when both
// versions are at least protocol.WtxidRelayVersion), sendaddrv2 (BIP155,
// same condition) and verack, and expects the node's verack. From then on
// messages are encoded at the lower of the two versions.
//
// It consumes the node's version, verack, and the wtxidrelay and sendaddrv2
// the node sent before its verack (PeerFeatures reports them); anything
// else stays pending. A wtxidrelay or sendaddrv2 after verack also stays
// pending, for the test to find (Core disconnects for it). Each step waits
// at most HandshakeTimeout and fails the test on expiry.
func (r *Remote) Handshake(t TB, ours *protocol.MsgVersion) *protocol.MsgVersion {
	t.Helper()
	if ours == nil {
		ours = r.NewVersion()
	}
	if r.outbound {
		r.Send(ours)
	}
	theirs := ExpectMsg[*protocol.MsgVersion](t, r, HandshakeTimeout)
	if !r.outbound {
		r.Send(ours)
	}
	common := uint32(min(ours.ProtocolVersion, theirs.ProtocolVersion))
	var out []byte
	if common >= protocol.WtxidRelayVersion {
		out = protocol.AppendFrame(out, r.magic, &protocol.MsgWtxidRelay{}, common)
		out = protocol.AppendFrame(out, r.magic, &protocol.MsgSendAddrV2{}, common)
	}
	out = protocol.AppendFrame(out, r.magic, &protocol.MsgVerack{}, common)
	r.SendRaw(out)
	isFeature := func(m any) bool {
		switch m.(type) {
		case *protocol.MsgWtxidRelay, *protocol.MsgSendAddrV2:
			return true
		}
		return false
	}
	_, before, ok := r.box.takeAfter(func(m any) bool {
		_, ok := m.(*protocol.MsgVerack)
		return ok
	}, isFeature, HandshakeTimeout)
	if !ok {
		t.Fatalf("actortest: remote %s: handshake: no verack within %v; %s", r.local, HandshakeTimeout, r.box.describe())
		return theirs
	}
	r.pver.Store(common)
	r.features.Store(featureBits(before))
	return theirs
}

// PeerFeatures reports which feature negotiation messages the node sent
// before its verack, as Handshake consumed them.
func (r *Remote) PeerFeatures() (wtxidRelay, sendAddrV2 bool) {
	bits := r.features.Load()
	return bits&featureWtxidRelay != 0, bits&featureSendAddrV2 != 0
}

const (
	featureWtxidRelay = 1 << iota
	featureSendAddrV2
)

func featureBits(msgs []any) uint32 {
	var bits uint32
	for _, m := range msgs {
		switch m.(type) {
		case *protocol.MsgWtxidRelay:
			bits |= featureWtxidRelay
		case *protocol.MsgSendAddrV2:
			bits |= featureSendAddrV2
		}
	}
	return bits
}

// handle records the frames of one read and returns the frames to send back
// (pongs, when automatic). Payloads are decoded (copied) before it returns.
func (r *Remote) handle(frames []transport.Frame) []byte {
	var replies []byte
	pver := r.pver.Load()
	for _, f := range frames {
		msg, err := protocol.Decode(f.Command, f.Payload, pver)
		if err != nil {
			r.box.put(&BadMessage{Cmd: f.Command, Payload: append([]byte(nil), f.Payload...), Err: err})
			continue
		}
		if ping, ok := msg.(*protocol.MsgPing); ok && r.autoPong.Load() {
			replies = protocol.AppendPong(replies, r.magic, ping.Nonce, f.Checksum)
			r.box.record(msg)
			continue
		}
		r.box.put(msg)
	}
	return replies
}
