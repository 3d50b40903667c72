package bip324

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// Limits of the handshake and the packet stream, as in Core.
const (
	// MaxGarbageLen is the most garbage either side may send after its key
	// (BIP324; Core's V2Transport::MAX_GARBAGE_LEN).
	MaxGarbageLen = 4095
	// MaxContents is the largest packet contents accepted: a long message
	// type (1 + 12 bytes) and the largest payload (Core's MAX_CONTENTS_LEN
	// in V2Transport::ProcessReceivedPacketBytes, from
	// MAX_PROTOCOL_MESSAGE_LENGTH). A longer announced length ends the
	// connection.
	MaxContents = 1 + protocol.CommandSize + protocol.MaxPayloadSize
	// v1PrefixSize is how many bytes tell an inbound v1 peer from a v2 one:
	// the magic and "version" padded to 12 bytes (Core's V1_PREFIX_LEN).
	v1PrefixSize = 4 + protocol.CommandSize
)

// Errors that end a connection (Core's "V2 transport error" disconnects).
var (
	// ErrNoTerminator is garbage that ran past MaxGarbageLen bytes without
	// the peer's garbage terminator: a peer of another network, a v1 peer
	// we dialled with v2, or noise.
	ErrNoTerminator = errors.New("bip324: no garbage terminator after 4095 bytes of garbage")
	// ErrPacketTooLarge is a length field above MaxContents.
	ErrPacketTooLarge = errors.New("bip324: packet too large")
	// ErrWrongNetwork is an inbound v1 version header with another
	// network's magic (Core: "V1 peer with wrong MessageStart").
	ErrWrongNetwork = errors.New("bip324: v1 peer of another network")
	// ErrV1 is returned by a Session whose inbound peer turned out to speak
	// v1 (see Result.V1): its bytes belong to the v1 deframer now.
	ErrV1 = errors.New("bip324: the peer speaks v1")
	// ErrNotReady is a message to send before the peer's key arrived: the
	// send ciphers do not exist yet. The caller queues it (Core's
	// SetMessageToSend refuses it the same way).
	ErrNotReady = errors.New("bip324: keys not agreed yet")
)

// Config is what a Session needs: every random value is handed in, so a
// Session is deterministic given its inputs.
type Config struct {
	// Magic is the network's message start as a little-endian uint32
	// (protocol.Params.Magic): it salts the keys and makes the v1 prefix.
	Magic uint32
	// Initiator is true on the side that opened the connection.
	Initiator bool
	// Key is our ephemeral key for this connection (GenerateKey).
	Key Key
	// Garbage is sent after our key: 0 to MaxGarbageLen bytes, random in
	// length and content (RandomGarbage). The Session keeps the slice until
	// it has sent its version packet, whose associated data it is.
	Garbage []byte
	// DeferKeyAgreement, if set, makes Received stop once the peer's key
	// is whole and report Result.NeedKeys instead of running the ECDH
	// itself, so that a caller whose goroutine must stay responsive (an
	// epoll loop) can run AgreeKeys elsewhere (about half a millisecond
	// with btcec's pure-Go ElligatorSwift) and then call Received again.
	DeferKeyAgreement bool
	// NewKey, for a responder given no Key, makes our key and garbage when
	// the peer's first bytes show it speaks v2, so that a v1 peer, which
	// never sees them, costs no key (an ElligatorSwift key takes about a
	// fifth of a millisecond in pure Go). Core makes one for every inbound
	// connection.
	NewKey func() (Key, []byte, error)
}

// Message is one application message received.
type Message struct {
	// Command is the message type, a constant string for every command of
	// the short-id table or of package protocol.
	Command string
	// Payload aliases the buffer passed to Received (decrypted in place).
	Payload []byte
}

// Result is what one call of Session.Received found and produced.
type Result struct {
	// Used is how many bytes at the front of the input were consumed. The
	// caller drops them and feeds the rest again, with more bytes appended,
	// as it does with transport.Deframe. Bytes of a packet whose length was
	// read are consumed with it.
	Used int
	// Next, when not 0, is how many bytes at input[Used:] complete the
	// packet being received (header, contents and tag), so a caller can
	// size its buffer once.
	Next int
	// Out is the out slice passed to Received with the bytes to send
	// appended: our key and garbage, our garbage terminator and version
	// packet, as the handshake calls for them.
	Out []byte
	// Messages is the msgs slice passed to Received with every application
	// message appended, in order.
	Messages []Message
	// Decoys counts decoy packets (ignore bit set) authenticated and
	// skipped.
	Decoys int
	// Dropped counts application packets whose message type was empty,
	// malformed or unknown: dropped, as Core drops them, connection kept.
	Dropped int
	// Established is set by the call that received the peer's version
	// packet: the handshake is complete and authenticated.
	Established bool
	// V1 is set when an inbound peer sent the v1 prefix (the network magic
	// and "version"): Used is 0 and the input, from its first byte, is a
	// v1 stream for transport.Deframe. The Session is finished.
	V1 bool
	// NeedKeys is set, with Config.DeferKeyAgreement, when the peer's key
	// is whole: call AgreeKeys, then Received again with the rest of the
	// input.
	NeedKeys bool
}

type phase uint8

const (
	phaseMaybeV1 phase = iota // responder: v1 prefix or v2 key?
	phaseKey                  // reading the peer's 64-byte key
	phaseGarbage              // looking for the peer's garbage terminator
	phaseVersion              // reading packets up to the peer's version packet
	phaseApp                  // application packets
	phaseV1                   // inbound v1 peer: nothing more for us
	phaseFailed
)

// Session is one connection's BIP324 transport, sans I/O: bytes in, bytes
// and messages out, driven by the connection's owner (Core's V2Transport).
// It is not safe for concurrent use.
//
// An initiator calls Start and sends what it returns; a responder waits for
// the peer's first bytes. Both feed every byte received to Received, send
// Result.Out, and take Result.Messages. Once CanSend is true, AppendMessage
// and AppendDecoy encrypt messages to send. Any error from Received ends the
// connection (the error is sticky).
type Session struct {
	magic     uint32
	initiator bool
	key       Key
	garbage   []byte // ours, until it authenticates our version packet
	newKey    func() (Key, []byte, error)
	started   bool // our key and garbage are out

	phase   phase
	matched int // responder: bytes of the v1 prefix matched so far

	theirKey [KeySize]byte
	keyLen   int

	recvGarbage []byte // theirs, terminator candidate included
	recvAAD     []byte // their garbage, to authenticate their first packet

	cipher     Cipher
	ready      bool // cipher is keyed
	sent       bool // our garbage terminator and version packet are out
	deferKeys  bool
	pendingLen int // contents length of the packet whose length was read, or -1

	err error
}

// NewSession makes the Session of one connection.
func NewSession(cfg Config) (*Session, error) {
	if len(cfg.Garbage) > MaxGarbageLen {
		return nil, fmt.Errorf("bip324: %d bytes of garbage above %d", len(cfg.Garbage), MaxGarbageLen)
	}
	if cfg.Key.priv == nil && (cfg.Initiator || cfg.NewKey == nil) {
		return nil, errors.New("bip324: session without a key")
	}
	s := &Session{
		magic:      cfg.Magic,
		initiator:  cfg.Initiator,
		key:        cfg.Key,
		garbage:    cfg.Garbage,
		phase:      phaseMaybeV1,
		pendingLen: -1,
		deferKeys:  cfg.DeferKeyAgreement,
		newKey:     cfg.NewKey,
	}
	if s.initiator {
		s.phase = phaseKey
	}
	return s, nil
}

// Start appends what the initiator sends as soon as it is connected: its key
// and garbage. A responder sends nothing before the peer's first bytes tell
// v2 from v1, so Start appends nothing for it. Calling it again appends
// nothing.
func (s *Session) Start(out []byte) []byte {
	if !s.initiator || s.started {
		return out
	}
	return s.sendKey(out)
}

// sendKey appends our key and garbage.
func (s *Session) sendKey(out []byte) []byte {
	s.started = true
	out = append(out, s.key.pub[:]...)
	return append(out, s.garbage...)
}

// CanSend reports whether the keys are agreed and our version packet is
// out, so AppendMessage works.
func (s *Session) CanSend() bool { return s.sent && s.phase != phaseFailed }

// Established reports whether the peer's version packet arrived: the
// handshake is complete and its garbage authenticated.
func (s *Session) Established() bool { return s.phase == phaseApp }

// SessionID returns the session id once the keys are agreed (ok false
// before, and for a v1 peer).
func (s *Session) SessionID() (id [SessionIDSize]byte, ok bool) {
	if !s.ready {
		return id, false
	}
	return s.cipher.sessionID, true
}

// ShouldReconnectV1 is Core's V2Transport::ShouldReconnectV1: on an outbound
// connection that closed before any byte of the peer arrived, after at
// least a v1 header's worth (24 bytes) of ours was sent, the peer was
// probably a v1 node that gave up on our key, and a v1 reconnection is due.
// sent is how many bytes the connection wrote.
func (s *Session) ShouldReconnectV1(sent int) bool {
	return s.initiator && s.phase == phaseKey && s.keyLen == 0 && sent >= protocol.HeaderSize
}

// Received processes bytes from the peer: in is the unconsumed input, out
// and msgs are slices to append to (see Result). It decrypts packets in
// place, so in's consumed bytes are overwritten and Messages' payloads
// alias them. An error ends the connection: it wraps ErrNoTerminator,
// ErrWrongNetwork, ErrPacketTooLarge or ErrAuthentication (or ErrV1 when
// called after Result.V1). With Config.DeferKeyAgreement it may stop early
// with Result.NeedKeys.
func (s *Session) Received(in, out []byte, msgs []Message) (Result, error) {
	r := Result{Out: out, Messages: msgs}
	if s.err != nil {
		return r, s.err
	}
	if s.initiator && !s.started {
		r.Out = s.sendKey(r.Out)
	}
	for {
		var more bool
		var err error
		switch s.phase {
		case phaseMaybeV1:
			more, err = s.readPrefix(in, &r)
		case phaseKey:
			more, err = s.readKey(in, &r)
		case phaseGarbage:
			more, err = s.readGarbage(in, &r)
		case phaseVersion, phaseApp:
			more, err = s.readPacket(in, &r)
		case phaseV1:
			return r, ErrV1
		}
		if err != nil {
			s.phase = phaseFailed
			s.err = err
			return r, err
		}
		if !more {
			return r, nil
		}
	}
}

// readPrefix compares the input with the v1 prefix, consuming nothing (Core's
// ProcessReceivedMaybeV1Bytes): on the first byte that differs the peer is
// v2 and we send our key; on 16 matching bytes it is v1. It reports whether
// to go on.
func (s *Session) readPrefix(in []byte, r *Result) (bool, error) {
	var prefix [v1PrefixSize]byte
	binary.LittleEndian.PutUint32(prefix[:4], s.magic)
	copy(prefix[4:], protocol.CmdVersion)
	for ; s.matched < len(in) && s.matched < v1PrefixSize; s.matched++ {
		if in[s.matched] != prefix[s.matched] {
			if s.key.priv == nil {
				k, g, err := s.newKey()
				if err != nil {
					return false, fmt.Errorf("bip324: our key: %w", err)
				}
				if len(g) > MaxGarbageLen {
					return false, fmt.Errorf("bip324: %d bytes of garbage above %d", len(g), MaxGarbageLen)
				}
				s.key, s.garbage = k, g
			}
			s.phase = phaseKey
			r.Out = s.sendKey(r.Out)
			return true, nil
		}
	}
	if s.matched == v1PrefixSize {
		s.phase = phaseV1
		r.V1 = true
	}
	return false, nil
}

// v1VersionType is a v1 header's command field of a version message.
var v1VersionType = [protocol.CommandSize]byte{'v', 'e', 'r', 's', 'i', 'o', 'n'}

// readKey collects the peer's 64-byte key (Core's ProcessReceivedKeyBytes)
// and, once whole, agrees the keys and sends our garbage terminator and
// version packet.
func (s *Session) readKey(in []byte, r *Result) (bool, error) {
	n := copy(s.theirKey[s.keyLen:], in[r.Used:])
	s.keyLen += n
	r.Used += n
	// Bytes 4 to 16 of a v1 version header after a magic that is not ours
	// (ours would have been taken for v1): a v1 peer of another network.
	// Only a responder can meet one.
	if !s.initiator && s.keyLen >= v1PrefixSize && [protocol.CommandSize]byte(s.theirKey[4:v1PrefixSize]) == v1VersionType {
		return false, fmt.Errorf("%w: magic %x", ErrWrongNetwork, s.theirKey[:4])
	}
	if s.keyLen < KeySize {
		return false, nil
	}
	if !s.ready {
		if s.deferKeys {
			r.NeedKeys = true
			return false, nil
		}
		if err := s.AgreeKeys(); err != nil {
			return false, err
		}
	}
	r.Out = append(r.Out, s.cipher.sendTerm[:]...)
	// The version packet has empty contents (BIP324's TRANSPORT_VERSION)
	// and carries our garbage as associated data.
	r.Out = s.cipher.AppendPacket(r.Out, nil, s.garbage, false)
	s.garbage = nil
	s.sent = true
	s.phase = phaseGarbage
	return true, nil
}

// AgreeKeys runs the ECDH and derives the ciphers once the peer's key is
// whole: Received does it unless Config.DeferKeyAgreement asked it to
// report Result.NeedKeys instead. It touches only the Session, so it may
// run on another goroutine while nothing else uses the Session. A failure
// ends the session like an error of Received.
func (s *Session) AgreeKeys() error {
	if s.err != nil {
		return s.err
	}
	if s.ready {
		return nil
	}
	if s.phase != phaseKey || s.keyLen < KeySize {
		return errors.New("bip324: AgreeKeys before the peer's key is whole")
	}
	c, err := NewCipher(s.key, s.theirKey, s.initiator, s.magic)
	if err != nil {
		s.phase, s.err = phaseFailed, err
		return err
	}
	s.cipher = *c
	s.ready = true
	s.key = Key{} // the private key is of no more use: forget it
	return nil
}

// readGarbage looks for the peer's garbage terminator in what follows its
// key, at most MaxGarbageLen bytes of garbage then the terminator (Core's
// ProcessReceivedGarbageBytes, which takes one byte at a time; this scans
// what arrived at once and consumes up to the terminator's end).
func (s *Session) readGarbage(in []byte, r *Result) (bool, error) {
	const limit = MaxGarbageLen + GarbageTerminatorSize
	rest := in[r.Used:]
	chunk := rest[:min(len(rest), limit-len(s.recvGarbage))]
	old := len(s.recvGarbage)
	if s.recvGarbage == nil && len(chunk) > 0 {
		s.recvGarbage = make([]byte, 0, min(limit, len(chunk)+GarbageTerminatorSize))
	}
	s.recvGarbage = append(s.recvGarbage, chunk...)
	// A terminator not found before ends at or after old+1, so it starts at
	// or after old-15.
	from := max(0, old-(GarbageTerminatorSize-1))
	if i := bytes.Index(s.recvGarbage[from:], s.cipher.recvTerm[:]); i >= 0 {
		end := from + i + GarbageTerminatorSize
		r.Used += end - old
		s.recvAAD = s.recvGarbage[:end-GarbageTerminatorSize]
		s.recvGarbage = nil
		s.phase = phaseVersion
		return true, nil
	}
	r.Used += len(chunk)
	if len(s.recvGarbage) == limit {
		return false, ErrNoTerminator
	}
	return false, nil
}

// readPacket reads one packet (Core's ProcessReceivedPacketBytes): its
// length once 3 bytes are in, then header, contents and tag once they all
// are. A decoy is counted and skipped; the first other packet is the
// peer's version packet (contents ignored, as BIP324 asks of this
// version); later ones are messages.
func (s *Session) readPacket(in []byte, r *Result) (bool, error) {
	rest := in[r.Used:]
	if s.pendingLen < 0 {
		if len(rest) < LengthSize {
			return false, nil
		}
		n := s.cipher.DecryptLength(rest)
		if n > MaxContents {
			return false, fmt.Errorf("%w: %d bytes of contents above %d", ErrPacketTooLarge, n, MaxContents)
		}
		s.pendingLen = int(n)
		r.Used += LengthSize
		rest = rest[LengthSize:]
	}
	size := HeaderSize + s.pendingLen + TagSize
	if len(rest) < size {
		r.Next = size
		return false, nil
	}
	r.Next = 0
	contents, ignore, err := s.cipher.Open(rest[:size], s.recvAAD)
	if err != nil {
		return false, fmt.Errorf("packet of %d bytes of contents: %w", s.pendingLen, err)
	}
	r.Used += size
	s.pendingLen = -1
	s.recvAAD = nil
	switch {
	case ignore:
		r.Decoys++
	case s.phase == phaseVersion:
		s.phase = phaseApp
		r.Established = true
	default:
		cmd, payload, err := ParseContents(contents)
		if err != nil {
			r.Dropped++
			break
		}
		r.Messages = append(r.Messages, Message{Command: cmd, Payload: payload})
	}
	return true, nil
}

// AppendMessage appends one packet carrying the message cmd with payload to
// out (ErrNotReady before the keys are agreed). Messages must be sent in
// the order they are appended: each advances the send ciphers.
func (s *Session) AppendMessage(out []byte, cmd string, payload []byte) ([]byte, error) {
	start := len(out)
	out, err := s.BeginMessage(out, cmd)
	if err != nil {
		return out, err
	}
	out = append(out, payload...)
	return s.EndMessage(out, start), nil
}

// BeginMessage starts a packet for the message cmd at the end of out, so a
// payload can be encoded in place after it (as protocol.AppendFrame does):
//
//	start := len(out)
//	out, err := s.BeginMessage(out, msg.Command())
//	out = msg.AppendPayload(out, pver)
//	out = s.EndMessage(out, start)
func (s *Session) BeginMessage(out []byte, cmd string) ([]byte, error) {
	if !s.CanSend() {
		return out, ErrNotReady
	}
	out = s.cipher.beginPacket(out, false)
	return appendType(out, cmd), nil
}

// EndMessage encrypts in place the packet begun at out[start] by
// BeginMessage and appends its tag.
func (s *Session) EndMessage(out []byte, start int) []byte {
	return s.cipher.endPacket(out, start, nil)
}

// AppendDecoy appends a decoy packet of n zero bytes of contents (which
// encrypt to noise), which the peer authenticates and ignores: shaping
// traffic is the caller's choice (BIP324 leaves it open).
func (s *Session) AppendDecoy(out []byte, n int) ([]byte, error) {
	if !s.CanSend() {
		return out, ErrNotReady
	}
	start := len(out)
	out = s.cipher.beginPacket(out, true)
	out = append(out, make([]byte, n)...)
	return s.cipher.endPacket(out, start, nil), nil
}

// AppendV1Frames re-encodes whole v1 frames (as protocol.AppendFrame builds
// them: header then payload, one after another) as v2 packets appended to
// out, one per frame, in order. It lets a connection that switched to v2
// keep callers that build v1 frames; their magic and checksums are not
// checked, as they are our own. A cut or malformed frame is an error and
// appends nothing of itself (frames before it are appended).
func (s *Session) AppendV1Frames(out, frames []byte) ([]byte, error) {
	if !s.CanSend() {
		return out, ErrNotReady
	}
	for off := 0; off < len(frames); {
		h, err := protocol.ParseHeader(frames[off:])
		if err != nil {
			return out, fmt.Errorf("bip324: v1 frame at byte %d: %w", off, err)
		}
		end := off + protocol.HeaderSize + int(h.Length)
		if h.Length > protocol.MaxPayloadSize || end > len(frames) {
			return out, fmt.Errorf("bip324: v1 frame at byte %d: %d bytes of payload, %d left: %w",
				off, h.Length, len(frames)-off-protocol.HeaderSize, protocol.ErrShortInput)
		}
		start := len(out)
		out = s.cipher.beginPacket(out, false)
		n := bytes.IndexByte(h.Command[:], 0)
		if n < 0 {
			n = protocol.CommandSize
		}
		out = appendType(out, h.Command[:n])
		out = append(out, frames[off+protocol.HeaderSize:end]...)
		out = s.cipher.endPacket(out, start, nil)
		off = end
	}
	return out, nil
}
