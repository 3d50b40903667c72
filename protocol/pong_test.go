package protocol

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestAppendPong: the pong frame is AppendFrame's for MsgPong, whether
// the ping's checksum is passed or computed, appended after what dst holds.
func TestAppendPong(t *testing.T) {
	const magic uint32 = 0xDAB5BFFA
	for _, nonce := range []uint64{0, 1, 0x0102030405060708, ^uint64(0)} {
		want := AppendFrame([]byte("x"), magic, &MsgPong{Nonce: nonce}, ProtocolVersion)
		var ping [8]byte
		binary.LittleEndian.PutUint64(ping[:], nonce)
		for _, sum := range [][4]byte{{}, Checksum(ping[:])} {
			if got := AppendPong([]byte("x"), magic, nonce, sum); !bytes.Equal(got, want) {
				t.Errorf("nonce %#x, sum %x:\n got %x\nwant %x", nonce, sum, got, want)
			}
		}
	}
}

func TestAppendPongZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	sum := Checksum([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	if allocs := testing.AllocsPerRun(100, func() { buf = AppendPong(buf[:0], 1, 1, sum) }); allocs != 0 {
		t.Fatalf("AppendPong: %v allocs, want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { buf = AppendPong(buf[:0], 1, 1, [4]byte{}) }); allocs != 0 {
		t.Fatalf("AppendPong hashing: %v allocs, want 0", allocs)
	}
}
