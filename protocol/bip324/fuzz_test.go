package bip324

import (
	"testing"
)

// FuzzResponder feeds arbitrary first bytes to a responder, in two reads:
// it must fail cleanly or wait, never panic, and consume no more than it
// was given.
func FuzzResponder(f *testing.F) {
	f.Add(v1Prefix(regtestMagic), 3)
	f.Add(v1Prefix(mainnetMagic), 16)
	f.Add(make([]byte, 200), 64)
	key := mustKey(f)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		s, err := NewSession(Config{Magic: regtestMagic, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		cut = min(max(cut, 0), len(in))
		r, err := s.Received(in[:cut], nil, nil)
		if err != nil || r.V1 {
			return
		}
		if r.Used > cut {
			t.Fatalf("used %d of %d", r.Used, cut)
		}
		rest := in[r.Used:]
		if r, err = s.Received(rest, nil, nil); err == nil && r.Used > len(rest) {
			t.Fatalf("used %d of %d", r.Used, len(rest))
		}
	})
}

// FuzzEstablished feeds arbitrary bytes to an established session: every
// input fails authentication or waits for more; nothing panics.
func FuzzEstablished(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		a := &end{s: mustSession(t, true, nil)}
		b := &end{s: mustSession(t, false, nil)}
		handshake(t, a, b, 1<<20)
		r, err := b.s.Received(in, nil, nil)
		if err == nil && (len(r.Messages) > 0 || r.Used > len(in)) {
			t.Fatalf("forged input accepted: %d messages, used %d of %d", len(r.Messages), r.Used, len(in))
		}
	})
}
