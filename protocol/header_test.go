package protocol

import (
	"errors"
	"testing"
)

// A verack frame as a mainnet Core node sends it.
const mainnetVerackFrame = "f9beb4d9" + // magic
	"76657261636b000000000000" + // "verack" NUL-padded
	"00000000" + // length 0
	"5df6e0e2" // checksum of the empty payload

func TestParseHeader(t *testing.T) {
	h, err := ParseHeader(unhex(t, mainnetVerackFrame))
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Magic: 0xd9b4bef9, Command: [12]byte{'v', 'e', 'r', 'a', 'c', 'k'},
		Checksum: [4]byte{0x5d, 0xf6, 0xe0, 0xe2}}
	if h != want {
		t.Fatalf("ParseHeader = %+v, want %+v", h, want)
	}
	if h.CommandName() != CmdVerack {
		t.Fatalf("CommandName() = %q", h.CommandName())
	}
	if err := h.Check(0xd9b4bef9); err != nil {
		t.Fatal(err)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	frame := func(cmd string, length string) []byte {
		return unhex(t, "f9beb4d9"+cmd+length+"5df6e0e2")
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{name: "empty", in: nil, want: ErrShortInput},
		{name: "23 bytes", in: unhex(t, mainnetVerackFrame)[:23], want: ErrShortInput},
		{name: "control char", in: frame("76657261636b0a0000000000", "00000000"), want: ErrBadCommand},
		{name: "high byte", in: frame("76657261636b800000000000", "00000000"), want: ErrBadCommand},
		{name: "text after NUL", in: frame("7665720061636b0000000000", "00000000"), want: ErrBadCommand},
		{name: "no NUL, 12 letters", in: frame("616161616161616161616161", "00000000"), want: nil},
		{name: "all NUL", in: frame("000000000000000000000000", "00000000"), want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(tc.in)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errors.Is(err, ErrBadCommand) && h.Magic != 0xd9b4bef9 {
				t.Fatalf("a bad command must still return the parsed header, got %+v", h)
			}
		})
	}
}

func TestHeaderCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Header
		want error
	}{
		{name: "ok", h: Header{Magic: 1, Length: MaxPayloadSize}, want: nil},
		{name: "bad magic", h: Header{Magic: 2, Length: MaxPayloadSize + 1}, want: ErrBadMagic},
		{name: "too large", h: Header{Magic: 1, Length: MaxPayloadSize + 1}, want: ErrPayloadTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.h.Check(1); err != tc.want {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCommandName(t *testing.T) {
	for _, cmd := range []string{CmdVersion, CmdVerack, CmdPing, CmdPong, CmdGetAddr, CmdAddr,
		CmdAddrV2, CmdSendAddrV2, CmdWtxidRelay, CmdSendHeaders, CmdFeeFilter, CmdSendCmpct, CmdInv,
		CmdGetData, CmdNotFound, CmdGetHeaders, CmdHeaders, CmdTx, CmdBlock, CmdGetBlocks, CmdMempool,
		CmdReject, CmdGetCFCheckpt, "", "unknowncmd", "twelve_chars"} {
		var raw [CommandSize]byte
		copy(raw[:], cmd)
		if got := CommandName(raw); got != cmd {
			t.Errorf("CommandName(%q) = %q", cmd, got)
		}
	}
}

func TestHeaderZeroAllocs(t *testing.T) {
	frame := unhex(t, mainnetVerackFrame)
	var sink string
	allocs := testing.AllocsPerRun(100, func() {
		h, err := ParseHeader(frame)
		if err != nil {
			t.Fatal(err)
		}
		sink = h.CommandName()
	})
	if allocs != 0 {
		t.Fatalf("ParseHeader+CommandName of a known command: %v allocs, want 0", allocs)
	}
	if sink != CmdVerack {
		t.Fatal(sink)
	}
	var raw [CommandSize]byte
	copy(raw[:], CmdGetHeaders)
	if allocs := testing.AllocsPerRun(100, func() { sink = CommandName(raw) }); allocs != 0 {
		t.Fatalf("CommandName(getheaders): %v allocs, want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = Checksum(frame) }); allocs != 0 {
		t.Fatalf("Checksum: %v allocs, want 0", allocs)
	}
}

func TestAppendFrame(t *testing.T) {
	// A mainnet ping with nonce 0x0102030405060708.
	want := unhex(t, "f9beb4d9 70696e670000000000000000 08000000"+
		hexChecksum(t, "0807060504030201")+"0807060504030201")
	prefix := []byte("previous frames")
	got := AppendFrame(append([]byte(nil), prefix...), 0xd9b4bef9, &MsgPing{Nonce: 0x0102030405060708}, ProtocolVersion)
	if string(got[:len(prefix)]) != string(prefix) || string(got[len(prefix):]) != string(want) {
		t.Fatalf("AppendFrame = %x, want %x after the prefix", got, want)
	}
	raw := AppendRawFrame(nil, 0xd9b4bef9, CmdPing, unhex(t, "0807060504030201"))
	if string(raw) != string(want) {
		t.Fatalf("AppendRawFrame = %x, want %x", raw, want)
	}
	if got := AppendRawFrame(nil, 0xd9b4bef9, CmdVerack, nil); string(got) != string(unhex(t, mainnetVerackFrame)) {
		t.Fatalf("verack frame = %x", got)
	}
	// A reused buffer with room: no allocation.
	buf := make([]byte, 0, 256)
	ping := &MsgPing{Nonce: 1}
	if allocs := testing.AllocsPerRun(100, func() {
		buf = AppendFrame(buf[:0], 0xd9b4bef9, ping, ProtocolVersion)
	}); allocs != 0 {
		t.Fatalf("AppendFrame(ping) into a buffer with room: %v allocs, want 0", allocs)
	}
}

func TestAppendRawFrameLongCommandPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a 13-byte command")
		}
	}()
	AppendRawFrame(nil, 0, "thirteen_char", nil)
}

func hexChecksum(t testing.TB, payload string) string {
	sum := Checksum(unhex(t, payload))
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 8)
	for _, b := range sum {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

func FuzzParseHeader(f *testing.F) {
	f.Add(unhex(f, mainnetVerackFrame))
	f.Add(AppendFrame(nil, 0xdab5bffa, &MsgPing{Nonce: 7}, ProtocolVersion))
	f.Add(unhex(f, "f9beb4d9 7665720061636b0000000000 00000000 5df6e0e2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if len(b) < HeaderSize {
			if !errors.Is(err, ErrShortInput) {
				t.Fatalf("short input: err = %v", err)
			}
			return
		}
		if err != nil && !errors.Is(err, ErrBadCommand) {
			t.Fatalf("unexpected error %v", err)
		}
		// Rebuilding the header from its fields gives the same bytes.
		frame := AppendRawFrame(nil, h.Magic, CommandName(h.Command), nil)
		if err == nil && string(frame[:16]) != string(b[:16]) {
			t.Fatalf("magic/command %x re-encode as %x", b[:16], frame[:16])
		}
		if err == nil {
			h2, err2 := ParseHeader(frame)
			if err2 != nil || h2.Command != h.Command || h2.Magic != h.Magic {
				t.Fatalf("re-parse: %+v, %v", h2, err2)
			}
		}
	})
}

func TestCommandIDRoundTripsEveryKnownCommand(t *testing.T) {
	seen := map[uint8]bool{}
	for id := uint8(1); int(id) <= NumCommands; id++ {
		cmd := CommandByID(id)
		if cmd == "" || CommandID(cmd) != id || seen[id] {
			t.Fatalf("id %d: command %q maps back to %d", id, cmd, CommandID(cmd))
		}
		seen[id] = true
	}
	if CommandID("bogus") != 0 || CommandByID(0) != "" || CommandByID(255) != "" {
		t.Fatal("unknown commands and ids must map to 0 and \"\"")
	}
}
