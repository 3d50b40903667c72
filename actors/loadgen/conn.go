package loadgen

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Target names the node under load.
type Target struct {
	// Addr is where it listens.
	Addr netip.AddrPort
	// Magic is its network's message start (protocol.Params.Magic).
	Magic uint32
	// Sources is the number of source addresses connections are spread
	// over: 127.j.k.1 for k, j counting up, each in its own /24. Zero means
	// 256. Ignored for a target off loopback.
	Sources int
	// Timeout bounds a connection's dial and handshake. Zero means 30 s.
	Timeout time.Duration
	// V2 speaks BIP324's v2 transport (the target must accept it).
	V2 bool
}

func (t Target) timeout() time.Duration {
	if t.Timeout <= 0 {
		return 30 * time.Second
	}
	return t.Timeout
}

// source returns the i-th source address.
func (t Target) source(i int) netip.Addr {
	if !t.Addr.Addr().IsLoopback() {
		return netip.Addr{}
	}
	n := t.Sources
	if n <= 0 {
		n = 256
	}
	i %= n
	// 127.0.0.0/24 holds 127.0.0.1; then 127.0.1.1, ... 127.0.255.1,
	// 127.1.0.1, ...: every address in a /24 of its own.
	return netip.AddrFrom4([4]byte{127, byte(i >> 8), byte(i), 1})
}

// Conn is one client connection speaking the v1 transport, or BIP324's v2
// (Target.V2): it answers the target's pings and hands everything else to
// its caller.
type Conn struct {
	nc    net.Conn
	r     *bufio.Reader
	magic uint32
	hdr   [protocol.HeaderSize]byte
	buf   []byte
	out   []byte
	v2    *connV2 // nil on v1
	// Remote is the target's version message.
	Remote *protocol.MsgVersion
	// PingsAnswered counts the target's pings this connection answered.
	PingsAnswered int
}

// Dial connects to t from its i-th source address and completes the
// handshake: our version, the target's version (answered with verack) and
// its verack.
func Dial(t Target, i int) (*Conn, error) {
	d := net.Dialer{Timeout: t.timeout()}
	if src := t.source(i); src.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	nc, err := d.Dial("tcp", t.Addr.String())
	if err != nil {
		return nil, fmt.Errorf("dial %v: %w", t.Addr, err)
	}
	c := &Conn{nc: nc, r: bufio.NewReaderSize(nc, 4096), magic: t.Magic}
	if t.V2 {
		if err := c.startV2(t.timeout()); err != nil {
			nc.Close()
			return nil, err
		}
	}
	if err := c.handshake(t.timeout()); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

func (c *Conn) handshake(timeout time.Duration) error {
	c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	local, _ := netip.ParseAddrPort(c.nc.LocalAddr().String())
	remote, _ := netip.ParseAddrPort(c.nc.RemoteAddr().String())
	v := &protocol.MsgVersion{
		ProtocolVersion: int32(protocol.ProtocolVersion),
		Timestamp:       time.Now().Unix(),
		AddrRecv:        protocol.NetAddress{Addr: remote.Addr(), Port: remote.Port()},
		AddrFrom:        protocol.NetAddress{Addr: local.Addr(), Port: local.Port()},
		Nonce:           uint64(time.Now().UnixNano()),
		UserAgent:       "/actornode-loadgen:0.1/",
	}
	if err := c.write(protocol.AppendFrame(c.out[:0], c.magic, v, protocol.ProtocolVersion)); err != nil {
		return err
	}
	gotVerack := false
	for c.Remote == nil || !gotVerack {
		cmd, payload, err := c.Next()
		if err != nil {
			return fmt.Errorf("handshake: %w", err)
		}
		switch cmd {
		case protocol.CmdVersion:
			rv := new(protocol.MsgVersion)
			if err := rv.DecodePayload(payload, protocol.ProtocolVersion); err != nil {
				return fmt.Errorf("handshake: %w", err)
			}
			c.Remote = rv
			if err := c.write(protocol.AppendRawFrame(c.out[:0], c.magic, protocol.CmdVerack, nil)); err != nil {
				return err
			}
		case protocol.CmdVerack:
			gotVerack = true
		}
	}
	return nil
}

// Next returns the next frame other than a ping, answering pings on the
// way. The payload is valid until the next call.
func (c *Conn) Next() (string, []byte, error) {
	if c.v2 != nil {
		return c.nextV2()
	}
	for {
		if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
			return "", nil, fmt.Errorf("read header: %w", err)
		}
		h, err := protocol.ParseHeader(c.hdr[:])
		if err != nil {
			return "", nil, fmt.Errorf("read header: %w", err)
		}
		if h.Magic != c.magic {
			return "", nil, fmt.Errorf("read header: magic %#x: %w", h.Magic, protocol.ErrBadMagic)
		}
		if h.Length > protocol.MaxPayloadSize {
			return "", nil, fmt.Errorf("read header: length %d: %w", h.Length, protocol.ErrPayloadTooLarge)
		}
		if cap(c.buf) < int(h.Length) {
			c.buf = make([]byte, h.Length)
		}
		payload := c.buf[:h.Length]
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return "", nil, fmt.Errorf("read %s payload: %w", h.CommandName(), err)
		}
		cmd := h.CommandName()
		if cmd == protocol.CmdPing {
			c.PingsAnswered++
			var out []byte
			if len(payload) == 8 {
				// The ping's checksum was not verified here: AppendPong
				// hashes the nonce (zero sum) rather than echo it.
				out = protocol.AppendPong(c.out[:0], c.magic, binary.LittleEndian.Uint64(payload), [4]byte{})
			} else {
				// Not a BIP31 ping: its payload echoed as it came.
				out = protocol.AppendRawFrame(c.out[:0], c.magic, protocol.CmdPong, payload)
			}
			if err := c.write(out); err != nil {
				return "", nil, err
			}
			continue
		}
		return cmd, payload, nil
	}
}

// SendPing writes a ping carrying nonce.
func (c *Conn) SendPing(nonce uint64) error {
	var p [8]byte
	binary.LittleEndian.PutUint64(p[:], nonce)
	return c.write(protocol.AppendRawFrame(c.out[:0], c.magic, protocol.CmdPing, p[:]))
}

// WriteRaw writes b (whole frames) as is.
func (c *Conn) WriteRaw(b []byte) error { return c.write(b) }

// SetDeadline sets the connection's read and write deadline.
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

func (c *Conn) write(b []byte) error {
	c.out = b[:0]
	if c.v2 != nil {
		enc, err := c.v2.s.AppendV1Frames(c.v2.enc[:0], b)
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		c.v2.enc, b = enc, enc
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// failKind names an error for a result's failure counts.
func failKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, errConnReset):
		return "reset"
	case errors.Is(err, errConnRefused):
		return "refused"
	}
	return "other"
}
