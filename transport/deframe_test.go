package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// testMagic is regtest's message start, as protocol.Params.Magic holds it.
const testMagic uint32 = 0xdab5bffa

func frame(cmd string, payload []byte) []byte {
	return protocol.AppendRawFrame(nil, testMagic, cmd, payload)
}

// stream returns a few frames of varied sizes, concatenated, and the frames.
func stream() ([]byte, []Frame) {
	want := []Frame{
		{Command: "verack", Payload: []byte{}},
		{Command: "ping", Payload: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{Command: "tx", Payload: bytes.Repeat([]byte{0xab}, 300)},
		{Command: "odd-command", Payload: []byte("x")},
		{Command: "pong", Payload: []byte{8, 7, 6, 5, 4, 3, 2, 1}},
	}
	var b []byte
	for _, f := range want {
		b = append(b, frame(f.Command, f.Payload)...)
	}
	return b, want
}

func sameFrames(t *testing.T, got, want []Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Command != want[i].Command || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Fatalf("frame %d: got %s %x, want %s %x", i, got[i].Command, got[i].Payload,
				want[i].Command, want[i].Payload)
		}
	}
}

func TestDeframe(t *testing.T) {
	good := frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	badSum := frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	badSum[len(badSum)-1] ^= 0xff
	badCmd := frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	badCmd[4+5] = 'x' // a byte after the NUL padding starts
	wrongMagic := protocol.AppendRawFrame(nil, testMagic+1, "ping", nil)
	tooLong := frame("block", nil)
	binary.LittleEndian.PutUint32(tooLong[16:20], protocol.MaxPayloadSize+1)
	maxLen := frame("block", nil)[:protocol.HeaderSize]
	binary.LittleEndian.PutUint32(maxLen[16:20], protocol.MaxPayloadSize)

	cases := []struct {
		name       string
		in         []byte
		frames     int
		used, next int
		badSums    int
		badCmds    int
		err        error
	}{
		{name: "empty", in: nil},
		{name: "short header", in: good[:23]},
		{name: "header only", in: good[:24], next: len(good)},
		{name: "one short of whole", in: good[:len(good)-1], next: len(good)},
		{name: "whole", in: good, frames: 1, used: len(good)},
		{name: "whole and a bit", in: append(append([]byte{}, good...), good[:3]...), frames: 1, used: len(good)},
		{name: "bad checksum skipped", in: append(append([]byte{}, badSum...), good...), frames: 1, used: 2 * len(good), badSums: 1},
		{name: "bad command skipped", in: append(append([]byte{}, badCmd...), good...), frames: 1, used: 2 * len(good), badCmds: 1},
		{name: "wrong magic", in: append(append([]byte{}, good...), wrongMagic...), frames: 1, used: len(good), err: protocol.ErrBadMagic},
		{name: "too long", in: tooLong, err: protocol.ErrPayloadTooLarge},
		{name: "max length waits", in: maxLen, next: protocol.HeaderSize + protocol.MaxPayloadSize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Deframe(tc.in, testMagic, nil)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if len(d.Frames) != tc.frames || d.Used != tc.used || d.Next != tc.next ||
				d.BadChecksums != tc.badSums || d.BadCommands != tc.badCmds {
				t.Fatalf("got frames=%d used=%d next=%d badsums=%d badcmds=%d, want %d %d %d %d %d",
					len(d.Frames), d.Used, d.Next, d.BadChecksums, d.BadCommands,
					tc.frames, tc.used, tc.next, tc.badSums, tc.badCmds)
			}
			if d.Wire != tc.frames*len(good) {
				t.Fatalf("wire %d, want %d", d.Wire, tc.frames*len(good))
			}
		})
	}
}

// feed runs a byte stream through Deframe in chunks of size n, as a
// connection would, and returns the frames it cut.
func feed(t *testing.T, in []byte, n int) []Frame {
	t.Helper()
	var buf []byte
	var out []Frame
	for off := 0; off < len(in); off += n {
		buf = append(buf, in[off:min(off+n, len(in))]...)
		d, err := Deframe(buf, testMagic, nil)
		if err != nil {
			t.Fatalf("chunk size %d: %v", n, err)
		}
		for _, f := range d.Frames {
			out = append(out, Frame{Command: f.Command, Payload: append([]byte{}, f.Payload...)})
		}
		buf = append(buf[:0], buf[d.Used:]...)
	}
	if len(buf) != 0 {
		t.Fatalf("chunk size %d: %d bytes left over", n, len(buf))
	}
	return out
}

func TestDeframeEveryChunkSize(t *testing.T) {
	in, want := stream()
	for n := 1; n <= len(in); n++ {
		sameFrames(t, feed(t, in, n), want)
	}
}

func TestDeframePayloadCapped(t *testing.T) {
	in, _ := stream()
	d, err := Deframe(in, testMagic, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range d.Frames {
		if cap(f.Payload) != len(f.Payload) {
			t.Fatalf("frame %d: payload cap %d > len %d: appending would overwrite the next frame",
				i, cap(f.Payload), len(f.Payload))
		}
	}
}

func TestDeframeAllocs(t *testing.T) {
	// Known commands only: an unknown command's name is a new string.
	in := append(frame("ping", make([]byte, 8)), frame("tx", make([]byte, 100))...)
	frames := make([]Frame, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		d, _ := Deframe(in, testMagic, frames[:0])
		frames = d.Frames
	})
	if allocs != 0 {
		t.Fatalf("Deframe allocates %v times per call", allocs)
	}
}

func FuzzDeframe(f *testing.F) {
	in, _ := stream()
	f.Add(in, 7)
	f.Add(in[:30], 1)
	f.Add(frame("version", bytes.Repeat([]byte{1}, 100)), 13)
	f.Add(protocol.AppendRawFrame(nil, testMagic+1, "ping", nil), 3)
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		whole, werr := Deframe(data, testMagic, nil)
		if whole.Used > len(data) || whole.Used < 0 {
			t.Fatalf("used %d of %d", whole.Used, len(data))
		}
		if werr == nil && whole.Next != 0 && whole.Next <= len(data)-whole.Used {
			t.Fatalf("next %d but %d bytes remain", whole.Next, len(data)-whole.Used)
		}
		for _, fr := range whole.Frames {
			if len(fr.Payload) > protocol.MaxPayloadSize || cap(fr.Payload) != len(fr.Payload) {
				t.Fatalf("frame %s: payload len %d cap %d", fr.Command, len(fr.Payload), cap(fr.Payload))
			}
		}
		// Cut in chunks, the stream yields the same frames up to the first
		// fatal error.
		if chunk <= 0 || chunk > len(data) {
			chunk = len(data) + 1
		}
		var buf []byte
		var frames []Frame
		var cerr error
		for off := 0; off < len(data) && cerr == nil; off += chunk {
			buf = append(buf, data[off:min(off+chunk, len(data))]...)
			d, err := Deframe(buf, testMagic, nil)
			for _, fr := range d.Frames {
				frames = append(frames, Frame{Command: fr.Command, Payload: append([]byte{}, fr.Payload...)})
			}
			cerr = err
			buf = append(buf[:0], buf[d.Used:]...)
		}
		if (cerr == nil) != (werr == nil) {
			t.Fatalf("chunked err %v, whole err %v", cerr, werr)
		}
		sameFrames(t, frames, whole.Frames)
	})
}

func BenchmarkDeframe(b *testing.B) {
	var in []byte
	for range 100 {
		in = append(in, frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})...)
	}
	in = append(in, frame("tx", bytes.Repeat([]byte{7}, 250))...)
	frames := make([]Frame, 0, 128)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Deframe(in, testMagic, frames[:0])
		if err != nil || len(d.Frames) != 101 {
			b.Fatal(err, len(d.Frames))
		}
		frames = d.Frames
	}
}
