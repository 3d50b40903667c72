package bip324

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ellswift"
)

// KeySize is the size of an ElligatorSwift-encoded public key, the first
// thing each side sends.
const KeySize = 64

// ErrKeyMismatch reports a Key whose ElligatorSwift encoding is not of its
// private key's public key.
var ErrKeyMismatch = errors.New("bip324: ElligatorSwift encoding does not match the private key")

// Key is one side's ephemeral key pair for a connection: a secp256k1
// private key and the ElligatorSwift encoding of its public key, 64 bytes
// that look uniformly random. Use a key for one connection only. The zero
// Key is not usable.
type Key struct {
	priv *btcec.PrivateKey
	pub  [KeySize]byte
}

// GenerateKey makes a fresh key pair from the operating system's randomness
// (btcec's ellswift.EllswiftCreate): a random private key and a uniformly
// sampled encoding of its public key. It costs about what an ECDH does.
func GenerateKey() (Key, error) {
	priv, pub, err := ellswift.EllswiftCreate()
	if err != nil {
		return Key{}, fmt.Errorf("bip324: generate key: %w", err)
	}
	return Key{priv: priv, pub: pub}, nil
}

// NewKey makes a Key from a 32-byte big-endian private key and an
// ElligatorSwift encoding of its public key, as test vectors give them. It
// checks that the encoding decodes to the public key's x coordinate
// (ErrKeyMismatch if not).
func NewKey(priv [32]byte, pub [KeySize]byte) (Key, error) {
	k, _ := btcec.PrivKeyFromBytes(priv[:])
	if k.Key.IsZero() {
		return Key{}, errors.New("bip324: private key is zero modulo the group order")
	}
	x, err := DecodeX(pub)
	if err != nil {
		return Key{}, err
	}
	want := k.PubKey().SerializeCompressed()
	if [32]byte(want[1:]) != x {
		return Key{}, ErrKeyMismatch
	}
	return Key{priv: k, pub: pub}, nil
}

// Public returns the 64-byte ElligatorSwift encoding to send.
func (k Key) Public() [KeySize]byte { return k.pub }

// sharedSecret is BIP324's v2_ecdh: x-only ECDH between our private key and
// the peer's encoded key, hashed (tag "bip324_ellswift_xonly_ecdh") with
// both encodings, the initiator's first.
func (k Key) sharedSecret(theirs [KeySize]byte, initiator bool) ([32]byte, error) {
	if k.priv == nil {
		return [32]byte{}, errors.New("bip324: zero Key")
	}
	h, err := ellswift.V2Ecdh(k.priv, theirs, k.pub, initiator)
	if err != nil {
		return [32]byte{}, fmt.Errorf("bip324: ecdh: %w", err)
	}
	return *h, nil
}

// DecodeX returns the x coordinate (32 bytes, big-endian) of the curve point
// a 64-byte ElligatorSwift encoding stands for (BIP324's ellswift_decode,
// btcec's XSwiftEC). Every 64-byte string decodes; the error is only for a
// failure of the library.
func DecodeX(pub [KeySize]byte) ([32]byte, error) {
	var u, t btcec.FieldVal
	if u.SetByteSlice(pub[:32]) {
		u.Normalize()
	}
	if t.SetByteSlice(pub[32:]) {
		t.Normalize()
	}
	x, err := ellswift.XSwiftEC(&u, &t)
	if err != nil {
		return [32]byte{}, fmt.Errorf("bip324: decode ElligatorSwift key: %w", err)
	}
	return *x.Bytes(), nil
}

// RandomGarbage returns garbage to send after a key: a length drawn
// uniformly from 0 to MaxGarbageLen, as Core draws it, filled from rand
// (crypto/rand.Reader in production).
func RandomGarbage(rand io.Reader) ([]byte, error) {
	var b [2]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("bip324: garbage length: %w", err)
	}
	// 4096 divides 65536, so the low 12 bits are uniform.
	g := make([]byte, int(binary.LittleEndian.Uint16(b[:]))%(MaxGarbageLen+1))
	if _, err := io.ReadFull(rand, g); err != nil {
		return nil, fmt.Errorf("bip324: garbage: %w", err)
	}
	return g, nil
}

// NewKeyAndGarbage makes what one side of a new connection sends first: a
// fresh key (GenerateKey) and garbage (RandomGarbage from crypto/rand). It
// fits Config.NewKey.
func NewKeyAndGarbage() (Key, []byte, error) {
	k, err := GenerateKey()
	if err != nil {
		return Key{}, nil, fmt.Errorf("bip324 key: %w", err)
	}
	g, err := RandomGarbage(cryptorand.Reader)
	if err != nil {
		return Key{}, nil, fmt.Errorf("bip324 garbage: %w", err)
	}
	return k, g, nil
}
