package bip324

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// regtestMagic is regtest's message start (fa bf b5 da).
const regtestMagic = 0xdab5bffa

// v1Prefix is what an inbound v1 peer sends first on regtest.
func v1Prefix(magic uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magic)
	return append(b, "version\x00\x00\x00\x00\x00"...)
}

func mustKey(t testing.TB) Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSession(t testing.TB, initiator bool, garbage []byte) *Session {
	t.Helper()
	s, err := NewSession(Config{Magic: regtestMagic, Initiator: initiator, Key: mustKey(t), Garbage: garbage})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// end is one side of an in-memory connection: a Session, the bytes it
// received and has not consumed, and what it delivered.
type end struct {
	s           *Session
	in          []byte
	msgs        []Message // payloads copied
	decoys      int
	dropped     int
	established bool
}

// feed hands data to the session in chunks of at most chunk bytes, as
// reads would, and returns everything it asked to send.
func (e *end) feed(t testing.TB, data []byte, chunk int) ([]byte, error) {
	t.Helper()
	var out []byte
	for len(data) > 0 {
		n := min(chunk, len(data))
		e.in = append(e.in, data[:n]...)
		data = data[n:]
		r, err := e.s.Received(e.in, out, nil)
		out = r.Out
		for _, m := range r.Messages {
			e.msgs = append(e.msgs, Message{Command: m.Command, Payload: bytes.Clone(m.Payload)})
		}
		e.decoys += r.Decoys
		e.dropped += r.Dropped
		e.established = e.established || r.Established
		if err != nil {
			return out, err
		}
		if r.V1 {
			return out, errors.New("unexpected v1")
		}
		if r.Used > 0 {
			e.in = append(e.in[:0], e.in[r.Used:]...)
		}
	}
	return out, nil
}

// handshake runs a whole handshake between a and b (a the initiator),
// delivering bytes in chunks of chunk, and returns once both are
// established.
func handshake(t testing.TB, a, b *end, chunk int) {
	t.Helper()
	toB := a.s.Start(nil)
	var toA []byte
	for round := 0; round < 10 && (len(toA) > 0 || len(toB) > 0); round++ {
		var err error
		fromB, err := b.feed(t, toB, chunk)
		if err != nil {
			t.Fatalf("responder: %v", err)
		}
		toA = append(toA, fromB...)
		toB = nil
		fromA, err := a.feed(t, toA, chunk)
		if err != nil {
			t.Fatalf("initiator: %v", err)
		}
		toB = append(toB, fromA...)
		toA = nil
	}
	if !a.established || !b.established || !a.s.Established() || !b.s.Established() {
		t.Fatalf("not established: initiator %v, responder %v", a.established, b.established)
	}
	ida, oka := a.s.SessionID()
	idb, okb := b.s.SessionID()
	if !oka || !okb || ida != idb {
		t.Fatalf("session ids %x (%v) and %x (%v) differ", ida, oka, idb, okb)
	}
}

func TestHandshakeAndMessages(t *testing.T) {
	big := bytes.Repeat([]byte{0xab}, 100_000)
	for _, garbage := range []int{0, 1, 100, MaxGarbageLen} {
		for _, chunk := range []int{1, 3, 17, 64 * 1024} {
			t.Run(fmt.Sprintf("garbage%d_chunk%d", garbage, chunk), func(t *testing.T) {
				if testing.Short() && chunk == 1 && garbage > 100 {
					t.Skip("slow byte by byte")
				}
				a := &end{s: mustSession(t, true, bytes.Repeat([]byte{1}, garbage))}
				b := &end{s: mustSession(t, false, bytes.Repeat([]byte{2}, garbage))}
				handshake(t, a, b, chunk)
				sent := []Message{
					{Command: protocol.CmdVersion, Payload: []byte("v")},
					{Command: protocol.CmdVerack},
					{Command: protocol.CmdPing, Payload: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
					{Command: CmdFeature, Payload: []byte("f")},
					{Command: "sendtxrcncl", Payload: []byte("long id")},
					{Command: protocol.CmdBlock, Payload: big},
				}
				for _, pair := range [][2]*end{{a, b}, {b, a}} {
					from, to := pair[0], pair[1]
					to.msgs = nil
					var wire []byte
					var err error
					for _, m := range sent {
						if wire, err = from.s.AppendMessage(wire, m.Command, m.Payload); err != nil {
							t.Fatal(err)
						}
					}
					if out, err := to.feed(t, wire, chunk*7); err != nil || len(out) != 0 {
						t.Fatalf("receive: %v, %d bytes to send", err, len(out))
					}
					checkMessages(t, to.msgs, sent)
				}
			})
		}
	}
}

func checkMessages(t *testing.T, got, want []Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Command != want[i].Command || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Errorf("message %d: %s (%d bytes), want %s (%d bytes)", i, got[i].Command, len(got[i].Payload), want[i].Command, len(want[i].Payload))
		}
	}
}

// TestRekeyBothSides sends 1000 messages each way, interleaved with decoys,
// crossing the 224-packet rekeying four times in each direction, for both
// the length and the packet ciphers.
func TestRekeyBothSides(t *testing.T) {
	a := &end{s: mustSession(t, true, nil)}
	b := &end{s: mustSession(t, false, []byte("g"))}
	handshake(t, a, b, 1<<20)
	for _, pair := range [][2]*end{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		var wire []byte
		var want []Message
		for i := range 1000 {
			var err error
			if i%5 == 0 {
				if wire, err = from.s.AppendDecoy(wire, i%50); err != nil {
					t.Fatal(err)
				}
			}
			p := binary.LittleEndian.AppendUint64(nil, uint64(i))
			want = append(want, Message{Command: protocol.CmdPing, Payload: p})
			if wire, err = from.s.AppendMessage(wire, protocol.CmdPing, p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := to.feed(t, wire, 4096); err != nil {
			t.Fatal(err)
		}
		checkMessages(t, to.msgs, want)
		if to.decoys != 200 {
			t.Errorf("%d decoys, want 200", to.decoys)
		}
	}
	if a.s.cipher.sendP.packets != 1+1200 || b.s.cipher.recvL.chunks != 1+1200 {
		t.Errorf("packet counters %d, %d; want 1201", a.s.cipher.sendP.packets, b.s.cipher.recvL.chunks)
	}
}

// rawPeer is the other end of a Session built from a Cipher by hand, to
// send what a Session never would.
type rawPeer struct {
	key Key
	c   *Cipher
}

// startRaw agrees keys between a raw peer and the session of sess: as its
// responder if the session initiates, else as its initiator.
func startRaw(t *testing.T, sess *end) *rawPeer {
	t.Helper()
	r := &rawPeer{key: mustKey(t)}
	pub := r.key.Public()
	var theirs []byte
	if first := sess.s.Start(nil); len(first) > 0 {
		theirs = first[:KeySize]
	}
	out, err := sess.feed(t, pub[:], 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if theirs == nil {
		theirs = out[:KeySize]
	}
	if len(out) < GarbageTerminatorSize+Overhead {
		t.Fatalf("session sent %d bytes", len(out))
	}
	if r.c, err = NewCipher(r.key, [KeySize]byte(theirs), !sess.s.initiator, regtestMagic); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name string
		// wire is what the raw initiator sends after its key.
		wire func(r *rawPeer) []byte
		err  error
		// established tells whether the version packet got through.
		established bool
		// minChunk, if set, feeds at least that many bytes per read (8 MB
		// byte by byte takes too long).
		minChunk int
	}{
		{
			name: "garbage at the limit",
			wire: func(r *rawPeer) []byte {
				g := make([]byte, MaxGarbageLen)
				w := append(g, r.c.sendTerm[:]...)
				return r.c.AppendPacket(w, nil, g, false)
			},
			established: true,
		},
		{
			name: "garbage over the limit",
			wire: func(r *rawPeer) []byte {
				g := make([]byte, MaxGarbageLen+1)
				w := append(g, r.c.sendTerm[:]...)
				return r.c.AppendPacket(w, nil, g, false)
			},
			err: ErrNoTerminator,
		},
		{
			name: "bad terminator",
			wire: func(r *rawPeer) []byte {
				term := r.c.sendTerm
				term[15] ^= 1
				w := append([]byte("garbage"), term[:]...)
				w = r.c.AppendPacket(w, nil, []byte("garbage"), false)
				return append(w, make([]byte, MaxGarbageLen)...)
			},
			err: ErrNoTerminator,
		},
		{
			name: "garbage holding 15 bytes of the terminator",
			wire: func(r *rawPeer) []byte {
				near := r.c.sendTerm
				near[15] ^= 1
				g := append([]byte("before"), near[:]...)
				g = append(g, "after"...)
				w := append(bytes.Clone(g), r.c.sendTerm[:]...)
				return r.c.AppendPacket(w, nil, g, false)
			},
			established: true,
		},
		{
			name: "largest messages",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				payload := make([]byte, protocol.MaxPayloadSize)
				w = r.c.AppendPacket(w, AppendContents(nil, protocol.CmdBlock, payload), nil, false)
				return r.c.AppendPacket(w, AppendContents(nil, "blocklong", payload), nil, false)
			},
			established: true,
			minChunk:    64 * 1024,
		},
		{
			name: "message too large",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				return r.c.AppendPacket(w, AppendContents(nil, protocol.CmdGetData, make([]byte, 4_005_000)), nil, false)
			},
			err:         ErrPacketTooLarge,
			established: true,
			minChunk:    64 * 1024,
		},
		{
			name: "garbage changed in transit",
			wire: func(r *rawPeer) []byte {
				w := append([]byte("garbagE"), r.c.sendTerm[:]...)
				return r.c.AppendPacket(w, nil, []byte("garbage"), false)
			},
			err: ErrAuthentication,
		},
		{
			name: "tag corrupted",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				w[len(w)-1] ^= 0x80
				return w
			},
			err: ErrAuthentication,
		},
		{
			name: "length too large",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				l := binary.LittleEndian.AppendUint32(nil, MaxContents+1)[:LengthSize]
				r.c.sendL.crypt(l, l)
				return append(w, l...)
			},
			err:         ErrPacketTooLarge,
			established: true,
		},
		{
			name: "length at the maximum waits for the packet",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				l := binary.LittleEndian.AppendUint32(nil, MaxContents)[:LengthSize]
				r.c.sendL.crypt(l, l)
				return append(w, l...)
			},
			established: true,
		},
		{
			name: "decoys before and after the version packet",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], make([]byte, 10), nil, true)
				w = r.c.AppendPacket(w, nil, nil, true)
				w = r.c.AppendPacket(w, []byte("future version contents"), nil, false)
				w = r.c.AppendPacket(w, make([]byte, 1000), nil, true)
				w = r.c.AppendPacket(w, AppendContents(nil, protocol.CmdPing, []byte("12345678")), nil, false)
				return r.c.AppendPacket(w, []byte{18, 1}, nil, true) // a decoy that looks like a ping
			},
			established: true,
		},
		{
			name: "unknown message types dropped",
			wire: func(r *rawPeer) []byte {
				w := r.c.AppendPacket(r.c.sendTerm[:], nil, nil, false)
				for _, contents := range [][]byte{
					{},
					{29},
					{36},
					{38},
					{255, 1, 2},
					append([]byte{0}, "ping\x00\x00\x00\x00\x00\x00\x00"...), // 11 bytes
					append([]byte{0}, "pi\x01g\x00\x00\x00\x00\x00\x00\x00\x00"...),
					append([]byte{0}, "ping\x00x\x00\x00\x00\x00\x00\x00"...),
					make([]byte, 13), // the empty command
				} {
					w = r.c.AppendPacket(w, contents, nil, false)
				}
				return r.c.AppendPacket(w, AppendContents(nil, protocol.CmdPong, []byte("12345678")), nil, false)
			},
			established: true,
		},
	}
	for _, tc := range tests {
		for _, tcase := range []struct {
			initiator bool
			chunk     int
		}{{false, 1}, {false, 1 << 20}, {true, 1}, {true, 1 << 20}} {
			chunk := max(tcase.chunk, tc.minChunk)
			t.Run(fmt.Sprintf("%s/initiator_%v/chunk%d", tc.name, tcase.initiator, chunk), func(t *testing.T) {
				resp := &end{s: mustSession(t, tcase.initiator, nil)}
				r := startRaw(t, resp)
				_, err := resp.feed(t, tc.wire(r), chunk)
				if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				if resp.established != tc.established {
					t.Errorf("established %v, want %v", resp.established, tc.established)
				}
				if err != nil {
					if _, again := resp.s.Received(nil, nil, nil); !errors.Is(again, tc.err) {
						t.Errorf("error not sticky: %v", again)
					}
					if resp.s.CanSend() {
						t.Error("a failed session can still send")
					}
				}
				switch tc.name {
				case "decoys before and after the version packet":
					if resp.decoys != 4 || len(resp.msgs) != 1 || resp.msgs[0].Command != protocol.CmdPing {
						t.Errorf("decoys %d, messages %v", resp.decoys, resp.msgs)
					}
				case "largest messages":
					if len(resp.msgs) != 2 || len(resp.msgs[0].Payload) != protocol.MaxPayloadSize || resp.msgs[1].Command != "blocklong" {
						t.Errorf("%d messages", len(resp.msgs))
					}
				case "unknown message types dropped":
					// The empty command is delivered, as the v1 deframer
					// delivers an all-NUL command; the peer ignores it.
					if resp.dropped != 8 || len(resp.msgs) != 2 || resp.msgs[0].Command != "" || resp.msgs[1].Command != protocol.CmdPong {
						t.Errorf("dropped %d, messages %v", resp.dropped, resp.msgs)
					}
				}
			})
		}
	}
}

// TestNextAfterLength: once a packet's length is read, Result.Next says how
// many bytes complete it.
func TestNextAfterLength(t *testing.T) {
	a := &end{s: mustSession(t, true, nil)}
	b := &end{s: mustSession(t, false, nil)}
	handshake(t, a, b, 1<<20)
	wire, err := a.s.AppendMessage(nil, protocol.CmdTx, make([]byte, 1000))
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.s.Received(wire[:10], nil, nil)
	if err != nil || r.Used != LengthSize || r.Next != HeaderSize+1+1000+TagSize {
		t.Fatalf("Used %d Next %d (%v), want %d and %d", r.Used, r.Next, err, LengthSize, HeaderSize+1+1000+TagSize)
	}
	r, err = b.s.Received(wire[LengthSize:], nil, nil)
	if err != nil || r.Used != len(wire)-LengthSize || r.Next != 0 || len(r.Messages) != 1 {
		t.Fatalf("Used %d Next %d messages %d (%v)", r.Used, r.Next, len(r.Messages), err)
	}
}

// TestV1Detection: an inbound peer whose first 16 bytes are the magic and
// "version" is a v1 peer; the responder says so only once all 16 are in,
// consumes none of them and sends nothing.
func TestV1Detection(t *testing.T) {
	frame := protocol.AppendRawFrame(nil, regtestMagic, protocol.CmdVersion, []byte("payload"))
	for _, chunk := range []int{1, 5, 16, len(frame)} {
		t.Run(fmt.Sprint("chunk", chunk), func(t *testing.T) {
			s := mustSession(t, false, nil)
			var in []byte
			for off := 0; off < len(frame); off += chunk {
				in = append(in, frame[off:min(off+chunk, len(frame))]...)
				r, err := s.Received(in, nil, nil)
				if err != nil || r.Used != 0 || len(r.Out) != 0 {
					t.Fatalf("%d bytes: used %d, out %d, %v", len(in), r.Used, len(r.Out), err)
				}
				if r.V1 != (len(in) >= v1PrefixSize) {
					t.Fatalf("%d bytes: V1 %v", len(in), r.V1)
				}
				if r.V1 {
					break
				}
			}
			if _, err := s.Received(in, nil, nil); !errors.Is(err, ErrV1) {
				t.Fatalf("after v1: %v", err)
			}
			if s.CanSend() {
				t.Fatal("a v1 session can send")
			}
		})
	}
}

// TestV2AfterPartialPrefix: a key that matches the v1 prefix up to byte k
// makes the responder answer with its key at the first byte that differs.
func TestV2AfterPartialPrefix(t *testing.T) {
	prefix := v1Prefix(regtestMagic)
	for k := range v1PrefixSize {
		s := mustSession(t, false, []byte("xyz"))
		in := append(bytes.Clone(prefix[:k]), prefix[k]^0xff)
		for i := range in {
			r, err := s.Received(in[:i+1], nil, nil)
			if err != nil || r.V1 {
				t.Fatalf("k=%d after %d bytes: %v, V1 %v", k, i+1, err, r.V1)
			}
			if i < k && len(r.Out) != 0 {
				t.Fatalf("k=%d: sent %d bytes after %d matching bytes", k, len(r.Out), i+1)
			}
			if i == k {
				if len(r.Out) != KeySize+3 || r.Used != k+1 {
					t.Fatalf("k=%d: sent %d bytes, used %d; want key and garbage, %d", k, len(r.Out), r.Used, k+1)
				}
			}
		}
	}
}

// TestWrongNetwork: a v1 version header with another network's magic is
// refused once its 16th byte is in (Core: "V1 peer with wrong
// MessageStart"); an initiator takes the same bytes as a key.
func TestWrongNetwork(t *testing.T) {
	other := v1Prefix(mainnetMagic)
	s := mustSession(t, false, nil)
	e := &end{s: s}
	if _, err := e.feed(t, other[:v1PrefixSize-1], 1); err != nil {
		t.Fatalf("15 bytes: %v", err)
	}
	if _, err := e.feed(t, other[v1PrefixSize-1:], 1); !errors.Is(err, ErrWrongNetwork) {
		t.Fatalf("16 bytes: %v, want ErrWrongNetwork", err)
	}

	ini := &end{s: mustSession(t, true, nil)}
	ini.s.Start(nil)
	if _, err := ini.feed(t, v1Prefix(regtestMagic), 1); err != nil {
		t.Fatalf("initiator: %v", err)
	}
}

func TestNotReadyAndReconnect(t *testing.T) {
	s := mustSession(t, true, nil)
	if _, err := s.AppendMessage(nil, protocol.CmdPing, nil); !errors.Is(err, ErrNotReady) {
		t.Fatalf("AppendMessage before keys: %v", err)
	}
	if _, err := s.AppendDecoy(nil, 1); !errors.Is(err, ErrNotReady) {
		t.Fatalf("AppendDecoy before keys: %v", err)
	}
	if _, ok := s.SessionID(); ok {
		t.Fatal("session id before keys")
	}
	out := s.Start(nil)
	if len(out) != KeySize || len(s.Start(nil)) != 0 {
		t.Fatalf("Start sent %d bytes, then more", len(out))
	}
	if s.ShouldReconnectV1(23) || !s.ShouldReconnectV1(24) {
		t.Fatal("ShouldReconnectV1 does not follow the 24-byte rule")
	}
	if _, err := s.Received([]byte{1}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if s.ShouldReconnectV1(100) {
		t.Fatal("ShouldReconnectV1 after a byte was received")
	}
	if mustSession(t, false, nil).ShouldReconnectV1(100) {
		t.Fatal("a responder reconnects")
	}
	if _, err := NewSession(Config{Key: mustKey(t), Garbage: make([]byte, MaxGarbageLen+1)}); err == nil {
		t.Fatal("4096 bytes of garbage accepted")
	}
	if _, err := NewSession(Config{}); err == nil {
		t.Fatal("session without a key accepted")
	}
}

func TestRandomGarbage(t *testing.T) {
	for range 20 {
		g, err := RandomGarbage(rand.Reader)
		if err != nil || len(g) > MaxGarbageLen {
			t.Fatalf("%d bytes, %v", len(g), err)
		}
	}
	if _, err := RandomGarbage(bytes.NewReader([]byte{0xff, 0x0f, 1})); err == nil {
		t.Fatal("short randomness accepted")
	}
}

// TestSteadyStateAllocs: encrypting into a buffer with room and decrypting
// a packet allocate nothing.
func TestSteadyStateAllocs(t *testing.T) {
	a := &end{s: mustSession(t, true, nil)}
	b := &end{s: mustSession(t, false, nil)}
	handshake(t, a, b, 1<<20)
	payload := make([]byte, 1024)
	buf := make([]byte, 0, 4096)
	msgs := make([]Message, 0, 4)
	var wire []byte
	enc := testing.AllocsPerRun(100, func() {
		var err error
		if wire, err = a.s.AppendMessage(buf[:0], protocol.CmdTx, payload); err != nil {
			t.Fatal(err)
		}
	})
	// A fresh pair: b never received what a encrypted above.
	c := &end{s: mustSession(t, true, nil)}
	d := &end{s: mustSession(t, false, nil)}
	handshake(t, c, d, 1<<20)
	dec := testing.AllocsPerRun(100, func() {
		w, _ := c.s.AppendMessage(buf[:0], protocol.CmdTx, payload)
		r, err := d.s.Received(w, nil, msgs[:0])
		if err != nil || len(r.Messages) != 1 {
			t.Fatal(err)
		}
	})
	if enc != 0 || dec != 0 {
		t.Errorf("allocations per message: encrypt %v, encrypt+decrypt %v", enc, dec)
	}
	_ = wire
}

// TestAppendV1Frames: frames built for v1 arrive as the same messages over
// v2; a cut frame is refused.
func TestAppendV1Frames(t *testing.T) {
	a := &end{s: mustSession(t, true, nil)}
	b := &end{s: mustSession(t, false, nil)}
	handshake(t, a, b, 1<<20)
	want := []Message{
		{Command: protocol.CmdPing, Payload: []byte("12345678")},
		{Command: protocol.CmdVerack, Payload: []byte{}},
		{Command: "sendtxrcncl", Payload: []byte("long")},
	}
	var frames []byte
	for _, m := range want {
		frames = protocol.AppendRawFrame(frames, regtestMagic, m.Command, m.Payload)
	}
	wire, err := a.s.AppendV1Frames(nil, frames)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.feed(t, wire, 1<<20); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, b.msgs, want)
	if _, err := a.s.AppendV1Frames(nil, frames[:len(frames)-1]); !errors.Is(err, protocol.ErrShortInput) {
		t.Fatalf("cut frame: %v", err)
	}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(50, func() { buf, _ = a.s.AppendV1Frames(buf[:0], frames) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestDeferKeyAgreement: with DeferKeyAgreement, Received stops at the
// whole key with NeedKeys, sends nothing more until AgreeKeys, then goes on
// with the rest of the same input.
func TestDeferKeyAgreement(t *testing.T) {
	for _, deferInitiator := range []bool{true, false} {
		a := mustSession(t, true, []byte("ga"))
		b := mustSession(t, false, []byte("gb"))
		deferred := b
		if deferInitiator {
			deferred = a
		}
		deferred.deferKeys = true
		if err := deferred.AgreeKeys(); err == nil {
			t.Fatal("AgreeKeys before any key")
		}
		toB := a.Start(nil)
		rb, err := b.Received(toB, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !deferInitiator {
			if !rb.NeedKeys || len(rb.Out) != KeySize+2 || b.CanSend() {
				t.Fatalf("responder: NeedKeys %v, sent %d, CanSend %v", rb.NeedKeys, len(rb.Out), b.CanSend())
			}
			rest := toB[rb.Used:]
			if err := b.AgreeKeys(); err != nil {
				t.Fatal(err)
			}
			r2, err := b.Received(rest, rb.Out, nil)
			if err != nil || r2.NeedKeys || !b.CanSend() {
				t.Fatalf("after AgreeKeys: %v, NeedKeys %v", err, r2.NeedKeys)
			}
			rb = r2
		}
		ra, err := a.Received(rb.Out, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deferInitiator {
			if !ra.NeedKeys || len(ra.Out) != 0 || ra.Used != KeySize {
				t.Fatalf("initiator: NeedKeys %v, sent %d, used %d", ra.NeedKeys, len(ra.Out), ra.Used)
			}
			if err := a.AgreeKeys(); err != nil {
				t.Fatal(err)
			}
			if ra, err = a.Received(rb.Out[KeySize:], nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if !ra.Established {
			t.Fatal("initiator not established")
		}
		rb, err = b.Received(ra.Out, nil, nil)
		if err != nil || !rb.Established {
			t.Fatalf("responder: %v, established %v", err, rb.Established)
		}
	}
}

// TestResponderKeyMadeForV2Only: a responder with Config.NewKey makes its
// key only once the peer's first bytes show v2; a v1 peer costs none.
func TestResponderKeyMadeForV2Only(t *testing.T) {
	made := 0
	newKey := func() (Key, []byte, error) {
		made++
		return mustKey(t), []byte("garbage"), nil
	}
	lazy := func() *Session {
		s, err := NewSession(Config{Magic: regtestMagic, NewKey: newKey})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	v1 := lazy()
	if r, err := v1.Received(v1Prefix(regtestMagic), nil, nil); err != nil || !r.V1 {
		t.Fatalf("v1 prefix: V1 %v, %v", r.V1, err)
	}
	if made != 0 {
		t.Fatalf("%d keys made for a v1 peer", made)
	}
	handshake(t, &end{s: mustSession(t, true, nil)}, &end{s: lazy()}, 7)
	if made != 1 {
		t.Fatalf("%d keys made for one v2 peer, want 1", made)
	}
	failing := func() (Key, []byte, error) { return Key{}, nil, errors.New("no randomness") }
	s, err := NewSession(Config{Magic: regtestMagic, NewKey: failing})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Received([]byte{0xff}, nil, nil); err == nil {
		t.Fatal("a responder without a key went on")
	}
	if _, err := NewSession(Config{Magic: regtestMagic, Initiator: true, NewKey: newKey}); err == nil {
		t.Fatal("an initiator without a key was made")
	}
}
