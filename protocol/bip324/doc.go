// Package bip324 is BIP324, the v2 encrypted transport of the Bitcoin P2P
// protocol, as pure protocol: the cipher suite, the message type encoding
// and a sans-IO session per connection that takes received bytes and
// returns bytes to send and messages. It does no I/O, starts no goroutines
// and holds no clock; the only randomness (the ephemeral key and the
// garbage) is handed in. Bitcoin Core's V2Transport and BIP324Cipher
// (net.cpp, bip324.cpp) are its model, rule for rule.
//
// # Cryptography
//
// ElligatorSwift keys and the x-only ECDH with BIP324's tagged hash come
// from btcec/v2's ellswift package, ChaCha20 and ChaCha20-Poly1305 from
// golang.org/x/crypto, HKDF-SHA256 from golang.org/x/crypto/hkdf. The
// package adds the packet layer: FSChaCha20 over each 3-byte length field
// and FSChaCha20Poly1305 over each packet, each ratcheting its key every
// RekeyInterval (224) uses; the keys, garbage terminators and session id
// derived with the salt "bitcoin_v2_shared_secret" followed by the network
// magic, the initiator sending with the "initiator_" keys. Cipher exposes
// that layer; the BIP's test vectors (testdata/) check it byte for byte.
//
// # A connection
//
// Make a Session from a Config: the network magic, the side (Initiator is
// the side that dialled), a Key from GenerateKey and garbage from
// RandomGarbage. Then:
//
//   - Start returns what the initiator sends at once: its 64-byte key and
//     garbage. A responder sends nothing until the peer's first bytes tell
//     v2 from v1.
//   - Received takes the unconsumed received bytes and appends to Out what
//     to send (the responder's key and garbage, then each side's garbage
//     terminator and version packet) and to Messages what arrived. Used
//     says how many bytes it consumed; the caller keeps the rest and feeds
//     it again with more appended, as with transport.Deframe. Packets are
//     decrypted in place, so payloads alias the input. Result.Established
//     marks the peer's version packet, Result.V1 an inbound v1 peer.
//   - Once CanSend, AppendMessage (or BeginMessage, an in-place payload and
//     EndMessage) appends a message's packet to a caller's buffer, and
//     AppendDecoy a decoy. AppendV1Frames re-encodes frames built for v1
//     (protocol.AppendFrame) as packets, so callers that build v1 frames
//     need not change. In steady state neither direction allocates.
//
// The ECDH costs about half a millisecond and GenerateKey as much (btcec's
// ElligatorSwift is pure Go). A caller whose goroutine must not stall, such
// as an epoll loop, makes keys ahead of time elsewhere and sets
// Config.DeferKeyAgreement: Received then reports Result.NeedKeys when the
// peer's key is whole, and the caller runs AgreeKeys on another goroutine
// before feeding the Session again.
//
// Messages travel with BIP324's one-byte ids (ShortID: the BIP's 1 to 28
// and Core's 37 for feature) or as 0x00 and the 12-byte command.
// ParseContents accepts both forms, as the BIP asks.
//
// # Core's rules
//
// A responder compares the first 16 bytes with the magic followed by
// "version" and NUL padding as they arrive, consuming none: a full match is
// a v1 peer (Result.V1, with every byte left for the v1 deframer), the
// first byte that differs starts the v2 handshake. Bytes 4 to 16 of a key
// matching "version" after a foreign magic end the connection
// (ErrWrongNetwork). The peer's garbage may be up to MaxGarbageLen (4095)
// bytes before its terminator (else ErrNoTerminator); the first packet
// each way authenticates the garbage sent that way; decoy packets are
// authenticated and skipped; the first other packet is the version packet,
// whose contents are ignored. A packet whose tag fails
// (ErrAuthentication) or whose length exceeds MaxContents (a 13-byte
// message type plus protocol.MaxPayloadSize; ErrPacketTooLarge) ends the
// connection. A message of an empty, unknown or malformed type is dropped
// and counted (Result.Dropped); the connection goes on. ShouldReconnectV1
// is Core's rule for retrying an outbound peer with v1.
//
// # Proof
//
// Besides the BIP's vectors, the tests run handshakes at every chunk size
// down to byte by byte, each fault above, rekeying in both directions and
// fuzz targets, and, where Python 3 and Bitcoin Core's functional-test
// framework (../shared/core-tf) are present, a handshake and hundreds of
// messages each way against Core's own Python BIP324 implementation, with
// this package as initiator and as responder.
package bip324
