package bip324

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Sizes of BIP324's packet layer.
const (
	// RekeyInterval is how many packets (or length chunks) each direction's
	// ciphers serve before they ratchet to a new key (BIP324's
	// REKEY_INTERVAL, Core's BIP324Cipher::REKEY_INTERVAL).
	RekeyInterval = 224
	// LengthSize is the size of a packet's encrypted length field.
	LengthSize = 3
	// HeaderSize is the size of the encrypted header byte that carries the
	// ignore bit.
	HeaderSize = 1
	// TagSize is the size of the Poly1305 authentication tag.
	TagSize = chacha20poly1305.Overhead
	// Overhead is what a packet adds to its contents: length, header and tag
	// (Core's BIP324Cipher::EXPANSION, 20 bytes).
	Overhead = LengthSize + HeaderSize + TagSize
	// GarbageTerminatorSize is the size of each direction's garbage
	// terminator.
	GarbageTerminatorSize = 16
	// SessionIDSize is the size of the session id.
	SessionIDSize = 32
	// MaxPacketContents is the largest contents a length field may announce:
	// 2^24-1 bytes.
	MaxPacketContents = 1<<24 - 1
)

// ignoreBit is the header bit that marks a decoy packet (BIP324's
// IGNORE_BIT_POS 7).
const ignoreBit = 0x80

// ErrAuthentication reports a packet whose tag did not verify: a corrupt or
// forged stream, or a peer whose keys differ from ours. Core disconnects.
var ErrAuthentication = errors.New("bip324: packet authentication failed")

// lengthCipher is BIP324's FSChaCha20: a ChaCha20 keystream XORed over each
// 3-byte length field ("chunk"), whose key ratchets every RekeyInterval
// chunks to the next 32 bytes of its own keystream. 224 chunks of 3 bytes
// plus the 32-byte key are exactly 11 ChaCha20 blocks, so no keystream is
// wasted.
type lengthCipher struct {
	stream *chacha20.Cipher
	chunks uint64
}

// init starts the cipher at key with no chunk done.
func (l *lengthCipher) init(key []byte) {
	l.chunks = 0
	l.rekeyTo(key)
}

// rekeyTo restarts the keystream at key, with the nonce counting rekeyings:
// four zero bytes then the little-endian rekey count.
func (l *lengthCipher) rekeyTo(key []byte) {
	var nonce [chacha20.NonceSize]byte
	binary.LittleEndian.PutUint64(nonce[4:], l.chunks/RekeyInterval)
	s, err := chacha20.NewUnauthenticatedCipher(key, nonce[:])
	if err != nil {
		// Only a key or nonce of the wrong size fails, which we never pass.
		panic("bip324: length cipher: " + err.Error())
	}
	l.stream = s
}

// crypt XORs one chunk (a length field) from src into dst; encryption and
// decryption are the same operation.
func (l *lengthCipher) crypt(dst, src []byte) {
	l.stream.XORKeyStream(dst, src)
	l.chunks++
	if l.chunks%RekeyInterval == 0 {
		var key [chacha20.KeySize]byte
		l.stream.XORKeyStream(key[:], key[:])
		l.rekeyTo(key[:])
	}
}

// packetCipher is BIP324's FSChaCha20Poly1305: a ChaCha20-Poly1305 AEAD whose
// nonce is the packet's index under the current key (little-endian 32 bits)
// then the number of rekeyings (little-endian 64 bits), and whose key
// ratchets after every RekeyInterval packets.
type packetCipher struct {
	aead    cipher.AEAD
	key     [chacha20poly1305.KeySize]byte
	packets uint64
	// nonce is kept here, not on the stack: a slice of a local array passed
	// to an interface method escapes and would cost an allocation a packet.
	nonce [chacha20poly1305.NonceSize]byte
}

// init starts the AEAD at key with no packet done.
func (p *packetCipher) init(key []byte) {
	p.packets = 0
	p.setKey(key)
}

func (p *packetCipher) setKey(key []byte) {
	copy(p.key[:], key)
	a, err := chacha20poly1305.New(p.key[:])
	if err != nil {
		// Only a key of the wrong size fails, which we never pass.
		panic("bip324: packet cipher: " + err.Error())
	}
	p.aead = a
}

// fillNonce writes the nonce of the current packet.
func (p *packetCipher) fillNonce() {
	binary.LittleEndian.PutUint32(p.nonce[0:4], uint32(p.packets%RekeyInterval))
	binary.LittleEndian.PutUint64(p.nonce[4:], p.packets/RekeyInterval)
}

// seal appends the encryption of plaintext (with its tag) to dst. dst may be
// plaintext[:0] to encrypt in place.
func (p *packetCipher) seal(dst, plaintext, aad []byte) []byte {
	p.fillNonce()
	out := p.aead.Seal(dst, p.nonce[:], plaintext, aad)
	p.advance()
	return out
}

// open appends the decryption of ciphertext (tag included) to dst, or fails
// with ErrAuthentication. dst may be ciphertext[:0] to decrypt in place.
func (p *packetCipher) open(dst, ciphertext, aad []byte) ([]byte, error) {
	p.fillNonce()
	out, err := p.aead.Open(dst, p.nonce[:], ciphertext, aad)
	p.advance()
	if err != nil {
		return nil, ErrAuthentication
	}
	return out, nil
}

// advance counts a packet and ratchets the key after the last packet of an
// interval. BIP324 defines the new key as the first 32 bytes of the AEAD's
// encryption of 32 zero bytes under the nonce 0xffffffff||rekeys; that is
// ChaCha20's keystream from block 1 under that nonce (block 0 keys
// Poly1305), so it is taken from the stream cipher without computing a tag.
func (p *packetCipher) advance() {
	p.packets++
	if p.packets%RekeyInterval != 0 {
		return
	}
	var nonce [chacha20.NonceSize]byte
	binary.LittleEndian.PutUint32(nonce[0:4], 0xffffffff)
	binary.LittleEndian.PutUint64(nonce[4:], p.packets/RekeyInterval-1)
	s, err := chacha20.NewUnauthenticatedCipher(p.key[:], nonce[:])
	if err != nil {
		panic("bip324: packet cipher rekey: " + err.Error())
	}
	s.SetCounter(1)
	var key [chacha20.KeySize]byte
	s.XORKeyStream(key[:], key[:])
	p.setKey(key[:])
}

// Cipher is one connection's BIP324 cipher suite once the keys are agreed
// (Core's BIP324Cipher): a length cipher and a packet AEAD for each
// direction, the two garbage terminators and the session id. It is not safe
// for concurrent use; sending and receiving touch separate fields, so one
// goroutine may send while another receives.
type Cipher struct {
	sendL, recvL lengthCipher
	sendP, recvP packetCipher
	sessionID    [SessionIDSize]byte
	sendTerm     [GarbageTerminatorSize]byte
	recvTerm     [GarbageTerminatorSize]byte
}

// NewCipher agrees the keys of a connection from our key, the peer's
// 64-byte ElligatorSwift public key and the network's magic (its four
// message-start bytes as a little-endian uint32, as protocol.Params.Magic),
// on the side given by initiator (we opened the connection).
func NewCipher(ours Key, theirs [KeySize]byte, initiator bool, magic uint32) (*Cipher, error) {
	secret, err := ours.sharedSecret(theirs, initiator)
	if err != nil {
		return nil, err
	}
	c := new(Cipher)
	c.derive(secret[:], initiator, magic)
	clear(secret[:])
	return c, nil
}

// derive fills c from the ECDH shared secret with HKDF-SHA256, salted with
// "bitcoin_v2_shared_secret" and the network magic so that peers of
// different networks fail at once. The initiator sends with the
// "initiator_" keys and the first half of "garbage_terminators".
func (c *Cipher) derive(secret []byte, initiator bool, magic uint32) {
	salt := make([]byte, 0, len(saltPrefix)+4)
	salt = append(salt, saltPrefix...)
	salt = binary.LittleEndian.AppendUint32(salt, magic)
	prk := hkdf.Extract(sha256.New, secret, salt)
	var okm [32]byte
	expand := func(info string) []byte {
		if _, err := io.ReadFull(hkdf.Expand(sha256.New, prk, []byte(info)), okm[:]); err != nil {
			// HKDF-SHA256 yields up to 8160 bytes; 32 never fail.
			panic("bip324: hkdf: " + err.Error())
		}
		return okm[:]
	}
	sendL, sendP, recvL, recvP := &c.sendL, &c.sendP, &c.recvL, &c.recvP
	if !initiator {
		sendL, recvL = recvL, sendL
		sendP, recvP = recvP, sendP
	}
	sendL.init(expand("initiator_L"))
	sendP.init(expand("initiator_P"))
	recvL.init(expand("responder_L"))
	recvP.init(expand("responder_P"))
	terms := expand("garbage_terminators")
	if initiator {
		copy(c.sendTerm[:], terms[:GarbageTerminatorSize])
		copy(c.recvTerm[:], terms[GarbageTerminatorSize:])
	} else {
		copy(c.recvTerm[:], terms[:GarbageTerminatorSize])
		copy(c.sendTerm[:], terms[GarbageTerminatorSize:])
	}
	copy(c.sessionID[:], expand("session_id"))
	clear(okm[:])
	clear(prk)
}

// saltPrefix starts the HKDF salt; the network magic follows it.
const saltPrefix = "bitcoin_v2_shared_secret"

// SessionID returns the session id: equal on both ends of a connection, a
// value operators may compare out of band.
func (c *Cipher) SessionID() [SessionIDSize]byte { return c.sessionID }

// SendTerminator returns the garbage terminator we send after our garbage.
func (c *Cipher) SendTerminator() [GarbageTerminatorSize]byte { return c.sendTerm }

// RecvTerminator returns the garbage terminator that ends the peer's garbage.
func (c *Cipher) RecvTerminator() [GarbageTerminatorSize]byte { return c.recvTerm }

// AppendPacket appends one packet carrying contents to dst and returns the
// extended slice: the encrypted length, then header, contents and tag
// encrypted with aad as associated data (the sent garbage for a direction's
// first packet, else nil). ignore sets the ignore bit, making a decoy.
// contents may not exceed MaxPacketContents (a programming error: panics)
// and must not overlap dst's spare capacity.
func (c *Cipher) AppendPacket(dst, contents, aad []byte, ignore bool) []byte {
	start := len(dst)
	dst = c.beginPacket(dst, ignore)
	dst = append(dst, contents...)
	return c.endPacket(dst, start, aad)
}

// beginPacket appends the room for a packet's length and its plaintext
// header; the contents follow, then endPacket encrypts in place.
func (c *Cipher) beginPacket(dst []byte, ignore bool) []byte {
	var header byte
	if ignore {
		header = ignoreBit
	}
	return append(dst, 0, 0, 0, header)
}

// endPacket encrypts in place the packet that starts at dst[start] (begun by
// beginPacket, contents appended after it) and appends its tag.
func (c *Cipher) endPacket(dst []byte, start int, aad []byte) []byte {
	n := len(dst) - start - LengthSize - HeaderSize
	if n > MaxPacketContents {
		panic(fmt.Sprintf("bip324: packet contents of %d bytes above %d", n, MaxPacketContents))
	}
	length := dst[start : start+LengthSize]
	length[0], length[1], length[2] = byte(n), byte(n>>8), byte(n>>16)
	c.sendL.crypt(length, length)
	// Room for the tag, so that sealing in place stays in dst's array.
	dst = slices.Grow(dst, TagSize)
	plain := dst[start+LengthSize:]
	sealed := c.sendP.seal(plain[:0], plain, aad)
	return dst[:start+LengthSize+len(sealed)]
}

// DecryptLength decrypts a packet's 3-byte length field (the first
// LengthSize bytes of b) into the size of its contents. Every call advances
// the receive length cipher: call it once per packet, in order.
func (c *Cipher) DecryptLength(b []byte) uint32 {
	var l [LengthSize]byte
	c.recvL.crypt(l[:], b[:LengthSize])
	return uint32(l[0]) | uint32(l[1])<<8 | uint32(l[2])<<16
}

// Open decrypts in place the rest of a packet after its length field:
// header, contents and tag, HeaderSize+n+TagSize bytes for the n that
// DecryptLength returned. It returns the contents, aliasing sealed, and
// whether the ignore bit was set; ErrAuthentication if the tag fails (the
// connection must end). aad is the peer's garbage for the first packet,
// else nil.
func (c *Cipher) Open(sealed, aad []byte) (contents []byte, ignore bool, err error) {
	plain, err := c.recvP.open(sealed[:0], sealed, aad)
	if err != nil {
		return nil, false, err
	}
	if len(plain) < HeaderSize {
		return nil, false, fmt.Errorf("bip324: packet of %d bytes has no header: %w", len(sealed), ErrAuthentication)
	}
	return plain[HeaderSize:], plain[0]&ignoreBit != 0, nil
}
