package bip324

import (
	"fmt"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// BenchmarkEncrypt measures AppendMessage (contents, length and packet
// ciphers, tag) per message; b.SetBytes makes -bench print MB/s of payload
// for one core.
func BenchmarkEncrypt(b *testing.B) {
	for _, size := range []int{64, 1024, 64 * 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			a := &end{s: mustSession(b, true, nil)}
			r := &end{s: mustSession(b, false, nil)}
			handshake(b, a, r, 1<<20)
			payload := make([]byte, size)
			buf := make([]byte, 0, size+64)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = a.s.AppendMessage(buf[:0], protocol.CmdTx, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecrypt measures Received on packets that arrive 64 KiB at a
// time, as reads bring them. The packets are encrypted once, before the
// timer, by a sender keyed like the receiver; the receiver is rekeyed to
// its first state (an HKDF, amortized over 896 packets) each time it has
// read them all.
func BenchmarkDecrypt(b *testing.B) {
	for _, size := range []int{64, 1024, 64 * 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			secret := make([]byte, 32)
			var send Cipher
			send.derive(secret, true, regtestMagic)
			const total = 4 * RekeyInterval
			per := max(1, 64*1024/(size+Overhead+1))
			contents := AppendContents(nil, protocol.CmdTx, make([]byte, size))
			var reads [][]byte
			for i := 0; i < total; i += per {
				var read []byte
				for range min(per, total-i) {
					read = send.AppendPacket(read, contents, nil, false)
				}
				reads = append(reads, read)
			}
			s := &Session{magic: regtestMagic, phase: phaseApp, ready: true, pendingLen: -1}
			in := make([]byte, 0, len(reads[0]))
			msgs := make([]Message, 0, per)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			next := len(reads)
			got := 0
			for b.Loop() {
				// One message per iteration: a new read once the last
				// one's messages are all counted.
				if got == 0 {
					if next == len(reads) {
						s.cipher.derive(secret, false, regtestMagic)
						next = 0
					}
					in = append(in[:0], reads[next]...)
					next++
					r, err := s.Received(in, nil, msgs[:0])
					if err != nil || r.Used != len(in) {
						b.Fatalf("used %d of %d: %v", r.Used, len(in), err)
					}
					got = len(r.Messages)
				}
				got--
			}
		})
	}
}

// BenchmarkHandshakeCost measures what a connection costs one side before
// its first message: a fresh key (ElligatorSwift encoding) plus the ECDH and
// the key derivation, and the two separately.
func BenchmarkHandshakeCost(b *testing.B) {
	peer := mustKey(b)
	b.Run("key+ecdh+derive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k, err := GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := NewCipher(k, peer.Public(), true, regtestMagic); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key", func(b *testing.B) {
		for b.Loop() {
			if _, err := GenerateKey(); err != nil {
				b.Fatal(err)
			}
		}
	})
	ours := mustKey(b)
	b.Run("ecdh+derive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewCipher(ours, peer.Public(), true, regtestMagic); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full handshake both sides", func(b *testing.B) {
		for b.Loop() {
			a := &end{s: mustSession(b, true, nil)}
			r := &end{s: mustSession(b, false, nil)}
			handshake(b, a, r, 1<<20)
		}
	})
}

// BenchmarkAEADFloor is the library's bare ChaCha20-Poly1305 on the same
// sizes, the floor under BenchmarkEncrypt and BenchmarkDecrypt.
func BenchmarkAEADFloor(b *testing.B) {
	for _, size := range []int{64, 1024} {
		var p packetCipher
		p.init(make([]byte, 32))
		p.fillNonce()
		buf := make([]byte, size+1+TagSize)
		b.Run(fmt.Sprint("seal/", size, "B"), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				p.aead.Seal(buf[:0], p.nonce[:], buf[:size+1], nil)
			}
		})
		sealed := p.aead.Seal(nil, p.nonce[:], make([]byte, size+1), nil)
		b.Run(fmt.Sprint("open/", size, "B"), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := p.aead.Open(buf[:0], p.nonce[:], sealed, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendV1Frames measures re-encoding a v1 frame as a v2 packet
// (what io would do for peers that build v1 frames).
func BenchmarkAppendV1Frames(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			a := &end{s: mustSession(b, true, nil)}
			r := &end{s: mustSession(b, false, nil)}
			handshake(b, a, r, 1<<20)
			frame := protocol.AppendRawFrame(nil, regtestMagic, protocol.CmdTx, make([]byte, size))
			buf := make([]byte, 0, size+64)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = a.s.AppendV1Frames(buf[:0], frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
