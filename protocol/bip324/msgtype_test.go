package bip324

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// TestShortIDTable: every id of the table encodes to one byte and back, and
// the table is BIP324's (1 to 28) plus Core's 37.
func TestShortIDTable(t *testing.T) {
	n := 0
	for id, cmd := range shortIDs {
		if cmd == "" {
			continue
		}
		n++
		if got := ShortID(cmd); got != byte(id) {
			t.Errorf("ShortID(%s) = %d, want %d", cmd, got, id)
		}
		contents := AppendContents(nil, cmd, []byte{0xaa})
		if !bytes.Equal(contents, []byte{byte(id), 0xaa}) {
			t.Errorf("%s encodes as %x", cmd, contents)
		}
		got, payload, err := ParseContents(contents)
		if err != nil || got != cmd || !bytes.Equal(payload, []byte{0xaa}) {
			t.Errorf("%s decodes as %s %x %v", cmd, got, payload, err)
		}
		// The 13-byte form of a command with a short id is accepted too.
		long := append([]byte{0}, cmd...)
		long = append(long, make([]byte, 12-len(cmd))...)
		if got, _, err := ParseContents(long); err != nil || got != cmd {
			t.Errorf("long form of %s decodes as %q, %v", cmd, got, err)
		}
	}
	if n != 29 || shortIDs[28] != protocol.CmdAddrV2 || shortIDs[37] != CmdFeature {
		t.Fatalf("table has %d ids", n)
	}
}

func TestContents(t *testing.T) {
	tests := []struct {
		name    string
		cmd     string
		payload []byte
		hex     string
	}{
		{name: "short id", cmd: protocol.CmdPing, payload: []byte{1, 2}, hex: "120102"},
		{name: "long id", cmd: protocol.CmdVersion, payload: []byte{9}, hex: "0076657273696f6e000000000009"},
		{name: "long id, twelve bytes", cmd: "sendtxrcncl1", hex: "0073656e64747872636e636c31"},
		{name: "empty payload", cmd: protocol.CmdVerack, hex: "0076657261636b000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendContents(nil, tc.cmd, tc.payload)
			if hex.EncodeToString(got) != tc.hex {
				t.Fatalf("encoded %x, want %s", got, tc.hex)
			}
			cmd, payload, err := ParseContents(got)
			if err != nil || cmd != tc.cmd || !bytes.Equal(payload, tc.payload) {
				t.Fatalf("decoded %q %x %v", cmd, payload, err)
			}
		})
	}
}

func TestContentsErrors(t *testing.T) {
	tests := []struct {
		name     string
		contents []byte
		err      error
	}{
		{name: "empty", contents: nil, err: ErrEmptyContents},
		{name: "id 29", contents: []byte{29}, err: ErrUnknownShortID},
		{name: "id 255", contents: []byte{255}, err: ErrUnknownShortID},
		{name: "long id cut", contents: []byte("\x00ping"), err: ErrBadMessageType},
		{name: "control byte", contents: []byte("\x00pi\x1fg\x00\x00\x00\x00\x00\x00\x00\x00"), err: ErrBadMessageType},
		{name: "byte 0x80", contents: []byte("\x00pi\x80g\x00\x00\x00\x00\x00\x00\x00\x00"), err: ErrBadMessageType},
		{name: "byte after padding", contents: []byte("\x00ping\x00\x00\x00\x00\x00\x00\x00a"), err: ErrBadMessageType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ParseContents(tc.contents); !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
		})
	}
	// Core accepts 0x7f in a long message type (its v1 check does not).
	if cmd, _, err := ParseContents([]byte("\x00pi\x7fg\x00\x00\x00\x00\x00\x00\x00\x00")); err != nil || cmd != "pi\x7fg" {
		t.Fatalf("0x7f: %q %v", cmd, err)
	}
}

func TestContentsAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	contents := AppendContents(nil, protocol.CmdVersion, []byte{1})
	n := testing.AllocsPerRun(100, func() {
		buf = AppendContents(buf[:0], protocol.CmdInv, []byte{1, 2, 3})
		if _, _, err := ParseContents(contents); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzParseContents(f *testing.F) {
	f.Add([]byte{18, 1, 2})
	f.Add(AppendContents(nil, protocol.CmdVersion, []byte{1}))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, contents []byte) {
		cmd, payload, err := ParseContents(contents)
		if err != nil {
			return
		}
		again := AppendContents(nil, cmd, payload)
		cmd2, payload2, err := ParseContents(again)
		if err != nil || cmd2 != cmd || !bytes.Equal(payload2, payload) {
			t.Fatalf("%x -> %q %x -> %x -> %q %v", contents, cmd, payload, again, cmd2, err)
		}
	})
}
