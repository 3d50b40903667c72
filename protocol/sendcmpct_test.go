package protocol

import (
	"encoding/hex"
	"errors"
	"testing"
)

// BIP152: the announce byte must be 0 or 1; Core calls any other value
// misbehaviour, after reading the whole payload.
func TestSendCmpctAnnounceMustBeBoolean(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{name: "announce 2", hex: "02" + "0200000000000000", want: ErrBadAnnounce},
		{name: "announce 0xff", hex: "ff" + "0100000000000000", want: ErrBadAnnounce},
		{name: "announce 2, short version", hex: "02" + "0200", want: ErrShortInput},
		{name: "announce 1", hex: "01" + "0200000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hex)
			_, err := Decode(CmdSendCmpct, b, ProtocolVersion)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("decode = %v, want %v", err, tt.want)
			}
		})
	}
}
