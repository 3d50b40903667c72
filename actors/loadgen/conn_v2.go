package loadgen

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// connV2 is a Conn's BIP324 state.
type connV2 struct {
	s *bip324.Session
	// in holds received bytes; in[:used] were consumed by the Session, and
	// the payloads of msgs[next:] (and the last message returned) alias
	// them, so in is compacted only when they are all handed out.
	in   []byte
	used int
	msgs []bip324.Message
	next int
	rbuf []byte
	enc  []byte // scratch for encrypting what write sends
}

// startV2 runs the BIP324 handshake as initiator up to the point where
// messages can be sent: our key and garbage, the target's key, our
// terminator and version packet.
func (c *Conn) startV2(timeout time.Duration) error {
	k, err := bip324.GenerateKey()
	if err != nil {
		return fmt.Errorf("v2: %w", err)
	}
	g, err := bip324.RandomGarbage(rand.Reader)
	if err != nil {
		return fmt.Errorf("v2: %w", err)
	}
	s, err := bip324.NewSession(bip324.Config{Magic: c.magic, Initiator: true, Key: k, Garbage: g})
	if err != nil {
		return fmt.Errorf("v2: %w", err)
	}
	c.v2 = &connV2{s: s, rbuf: make([]byte, 64<<10)}
	c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	if _, err := c.nc.Write(s.Start(nil)); err != nil {
		return fmt.Errorf("v2: write key: %w", err)
	}
	for !s.CanSend() {
		if err := c.fillV2(); err != nil {
			return fmt.Errorf("v2 handshake: %w", err)
		}
	}
	return nil
}

// fillV2 reads once and feeds the Session, queueing the messages it
// decrypts and writing what it answers.
func (c *Conn) fillV2() error {
	v := c.v2
	v.in = append(v.in[:0], v.in[v.used:]...)
	v.used = 0
	n, err := c.r.Read(v.rbuf)
	if n > 0 {
		v.in = append(v.in, v.rbuf[:n]...)
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	r, rerr := v.s.Received(v.in, nil, v.msgs[:0])
	v.msgs, v.next, v.used = r.Messages, 0, r.Used
	if len(r.Out) > 0 {
		if _, err := c.nc.Write(r.Out); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return rerr
}

// nextV2 is Next over v2.
func (c *Conn) nextV2() (string, []byte, error) {
	v := c.v2
	for {
		for v.next < len(v.msgs) {
			m := v.msgs[v.next]
			v.next++
			if m.Command != protocol.CmdPing {
				return m.Command, m.Payload, nil
			}
			c.PingsAnswered++
			var out []byte
			if len(m.Payload) == 8 {
				out = protocol.AppendPong(c.out[:0], c.magic, binary.LittleEndian.Uint64(m.Payload), [4]byte{})
			} else {
				out = protocol.AppendRawFrame(c.out[:0], c.magic, protocol.CmdPong, m.Payload)
			}
			if err := c.write(out); err != nil {
				return "", nil, err
			}
		}
		if err := c.fillV2(); err != nil {
			return "", nil, err
		}
	}
}
