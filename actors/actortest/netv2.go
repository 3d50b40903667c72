package actortest

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
	"github.com/actornode/actornode/transport"
)

// WithV2 makes every node's io on the network serve BIP324's v2 transport
// as transport.Config.V2 does: an accepted connection speaks v2 to a peer
// that starts with a key and v1 to one that starts with a v1 version
// message. A Dial with V2 set starts v2 whatever this option says.
func WithV2() NetworkOption {
	return func(n *Network) { n.v2 = true }
}

// halfV2 is the BIP324 state of a connection end that may speak v2, as the
// epoll io keeps it: bytes travel encrypted between the ends and are
// decrypted as they reach this end, becoming the v1 frames that the rest
// of the network (deframing, limits) handles as for any connection.
type halfV2 struct {
	s *bip324.Session
	// raw holds received bytes not consumed by the Session.
	raw []byte
	// held are Sends' Data waiting for the send ciphers.
	held [][]byte
	// written counts the bytes sent, for ShouldReconnectV1.
	written int
}

// newHalfV2 gives h a Session: initiator for a v2 dial, else responder.
func newHalfV2(magic uint32, initiator bool) (*halfV2, error) {
	cfg := bip324.Config{Magic: magic, Initiator: initiator, NewKey: bip324.NewKeyAndGarbage}
	if initiator {
		var err error
		if cfg.Key, cfg.Garbage, err = bip324.NewKeyAndGarbage(); err != nil {
			return nil, err
		}
	}
	s, err := bip324.NewSession(cfg)
	if err != nil {
		return nil, err
	}
	return &halfV2{s: s}, nil
}

// sendRawLocked puts bytes ready for the wire on their way to h's other end.
func (a *netIO) sendRawLocked(h *half, data []byte, ps *posts) {
	if len(data) == 0 {
		return
	}
	if h.v2 != nil {
		h.v2.written += len(data)
	}
	h.bytesOut += uint64(len(data))
	a.bytesWritten += uint64(len(data))
	h.other.inTransit += len(data)
	ps.toIO(h.other.ep, &netDeliver{conn: h.other.id, data: data})
}

// encodeV2Locked takes a Send's Data on a v2-capable end: held (nil
// returned) until the Session can encrypt, else re-encoded as packets.
func (a *netIO) encodeV2Locked(h *half, data []byte) ([]byte, error) {
	if !h.v2.s.CanSend() {
		h.v2.held = append(h.v2.held, data)
		return nil, nil
	}
	return h.v2.s.AppendV1Frames(nil, data)
}

// releaseHeldLocked sends what h held, encrypted if h still speaks v2.
func (a *netIO) releaseHeldLocked(h *half, held [][]byte, ps *posts) error {
	for _, data := range held {
		if h.v2 != nil {
			var err error
			if data, err = h.v2.s.AppendV1Frames(nil, data); err != nil {
				return err
			}
		}
		a.sendRawLocked(h, data, ps)
	}
	return nil
}

// v2Event is what receiving bytes on a v2 end produced for its peer and
// owner.
type v2Event struct {
	encrypted *transport.Encrypted
	err       error
}

// receiveV2Locked feeds bytes that reached h to its Session: what the
// Session answers goes back, the messages it decrypted are appended to
// h.in as v1 frames (the receive limit then counts them as v1 does), and a
// v1 peer turns h into a plain end with every byte for the deframer.
func (a *netIO) receiveV2Locked(h *half, data []byte, ps *posts) v2Event {
	v := h.v2
	v.raw = append(v.raw, data...)
	r, err := v.s.Received(v.raw, nil, nil)
	a.sendRawLocked(h, r.Out, ps)
	for _, m := range r.Messages {
		h.in = protocol.AppendRawFrame(h.in, a.net.magic, m.Command, m.Payload)
	}
	a.v2Decoys += uint64(r.Decoys)
	a.v2Dropped += uint64(r.Dropped)
	var ev v2Event
	switch {
	case err != nil:
		a.v2Failures++
		ev.err = fmt.Errorf("v2 transport: %w", err)
		v.raw = nil
		return ev
	case r.V1:
		h.in = append(h.in, v.raw...)
		h.v2 = nil
		if err := a.releaseHeldLocked(h, v.held, ps); err != nil {
			ev.err = err
		}
		return ev
	}
	v.raw = append(v.raw[:0], v.raw[r.Used:]...)
	if r.Established {
		a.v2Established++
		id, _ := v.s.SessionID()
		ev.encrypted = &transport.Encrypted{Conn: h.id, SessionID: id}
	}
	if len(v.held) > 0 && v.s.CanSend() {
		held := v.held
		v.held = nil
		if err := a.releaseHeldLocked(h, held, ps); err != nil {
			ev.err = err
		}
	}
	return ev
}

// postEncrypted tells h's peer and owner that its handshake completed.
func postEncrypted(ctx actor.Context, e *transport.Encrypted, peer, owner *actor.PID) {
	if e == nil {
		return
	}
	if peer != nil {
		ctx.Send(peer, e)
	}
	if owner != nil && !owner.Equal(peer) {
		ctx.Send(owner, e)
	}
}

// reconnectV1 is h's Closed.ReconnectV1 (Core's ShouldReconnectV1).
func (h *half) reconnectV1() bool {
	return h.v2 != nil && h.v2.s.ShouldReconnectV1(h.v2.written)
}
