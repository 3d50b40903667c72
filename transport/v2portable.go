package transport

import (
	"fmt"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// pv2 is the BIP324 state of a portable io connection that may speak v2,
// guarded by its pconn's mu: the reader goroutine feeds it what it reads,
// the actor encrypts Sends with it, the writer counts what it wrote.
type pv2 struct {
	s       *bip324.Session
	held    [][]byte // Sends' Data waiting for the send ciphers
	written int      // bytes handed to the socket, for ShouldReconnectV1
}

// newPV2 makes a connection's BIP324 state: a responder for an accepted
// connection (which may still turn out v1), an initiator for a v2 dial,
// whose key and garbage it returns to be sent first.
func newPV2(magic uint32, initiator bool) (*pv2, []byte, error) {
	cfg := bip324.Config{Magic: magic, Initiator: initiator, NewKey: bip324.NewKeyAndGarbage}
	if initiator {
		var err error
		if cfg.Key, cfg.Garbage, err = bip324.NewKeyAndGarbage(); err != nil {
			return nil, nil, err
		}
	}
	s, err := bip324.NewSession(cfg)
	if err != nil {
		return nil, nil, err
	}
	return &pv2{s: s}, s.Start(nil), nil
}

// encodeLocked takes a Send's Data on a v2-capable connection (c.mu held):
// held (nil returned) until the Session can encrypt, else re-encoded.
func (v *pv2) encodeLocked(data []byte) ([]byte, error) {
	if !v.s.CanSend() {
		v.held = append(v.held, data)
		return nil, nil
	}
	return v.s.AppendV1Frames(nil, data)
}

// enqueueLocked appends bytes ready for the wire to c's queue (c.mu held).
func (a *portableIO) enqueueLocked(c *pconn, data []byte) {
	if len(data) == 0 {
		return
	}
	c.queue = append(c.queue, data)
	c.queued += len(data)
	c.cond.Broadcast()
}

// releaseHeldLocked queues what c held, encrypted while c speaks v2 (c.mu
// held).
func (a *portableIO) releaseHeldLocked(c *pconn, held [][]byte) error {
	for _, data := range held {
		if c.v2 != nil {
			var err error
			if data, err = c.v2.s.AppendV1Frames(nil, data); err != nil {
				return err
			}
		}
		a.enqueueLocked(c, data)
	}
	return nil
}

// pv2Read is what readV2 did with the bytes read.
type pv2Read struct {
	used, next int
	v1         bool // the peer speaks v1: every byte is for Deframe
	err        error
}

// readV2 feeds buf, c's unconsumed input, to its Session (reader
// goroutine): it queues what the Session answers, posts the decrypted
// messages as one Received (each counted as its v1 frame) and Encrypted
// once the handshake completes.
func (a *portableIO) readV2(c *pconn, buf []byte) pv2Read {
	c.mu.Lock()
	v := c.v2
	if v == nil {
		c.mu.Unlock()
		return pv2Read{v1: true}
	}
	r, err := v.s.Received(buf, nil, nil)
	a.enqueueLocked(c, r.Out)
	a.v2Decoys.Add(uint64(r.Decoys))
	a.v2Dropped.Add(uint64(r.Dropped))
	var rcv *Received
	if len(r.Messages) > 0 {
		rcv = &Received{Conn: c.id, Pool: a}
		for _, m := range r.Messages {
			rcv.Frames = append(rcv.Frames, Frame{Command: m.Command, Payload: append([]byte(nil), m.Payload...)})
			rcv.Size += protocol.HeaderSize + len(m.Payload)
		}
		rcv.cost = rcv.Size + MessageOverhead*len(rcv.Frames)
		c.unacked += rcv.cost
		c.posts++
	}
	var enc *Encrypted
	res := pv2Read{used: r.Used, next: r.Next, err: err}
	switch {
	case err != nil:
		a.v2Failures.Add(1)
		res.err = fmt.Errorf("v2 transport: %w", err)
	case r.V1:
		c.v2 = nil
		if err := a.releaseHeldLocked(c, v.held); err != nil {
			res.err = err
		}
		res = pv2Read{v1: true, err: res.err}
	default:
		if r.Established {
			a.v2Established.Add(1)
			id, _ := v.s.SessionID()
			enc = &Encrypted{Conn: c.id, SessionID: id}
		}
		if len(v.held) > 0 && v.s.CanSend() {
			held := v.held
			v.held = nil
			if err := a.releaseHeldLocked(c, held); err != nil {
				res.err = err
			}
		}
	}
	peer := c.peer
	c.mu.Unlock()
	if enc != nil {
		a.post(peer, enc)
		if c.owner != nil && !c.owner.Equal(peer) {
			a.post(c.owner, enc)
		}
	}
	if rcv != nil {
		a.sys.Root.Send(peer, rcv)
	}
	return res
}
