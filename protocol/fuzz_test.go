package protocol

import (
	"errors"
	"reflect"
	"testing"
)

// fuzzCommands are the commands FuzzDecode maps its selector byte onto: all
// typed messages and one raw.
var fuzzCommands = [...]string{CmdVersion, CmdVerack, CmdPing, CmdPong, CmdGetAddr, CmdAddr, CmdAddrV2,
	CmdSendAddrV2, CmdWtxidRelay, CmdSendHeaders, CmdFeeFilter, CmdSendCmpct, CmdInv, CmdGetData,
	CmdNotFound, CmdGetHeaders, CmdHeaders, CmdTx}

// FuzzDecode decodes any payload as any command: it must not panic, must
// fail with a DecodeError naming the command, or decode to a message whose
// encoding decodes to the same message and encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, tc := range codecCases(f) {
		f.Add(tc.msg.Command(), unhex(f, tc.hex))
	}
	f.Add(CmdAddrV2, unhex(f, "0300000000000304abcdef208d"+"00000000"+"00"+"01"+"04"+"01020304"+"208d"))
	f.Add(CmdHeaders, unhex(f, "01"+mainnetGenesisHeaderHex+"fd0000"))
	f.Add(CmdInv, unhex(f, "fe00000002"))
	f.Fuzz(func(t *testing.T, cmd string, payload []byte) {
		msg, err := Decode(cmd, payload, ProtocolVersion)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Command != cmd {
				t.Fatalf("error %v does not name %q", err, cmd)
			}
			return
		}
		if msg.Command() != cmd {
			t.Fatalf("decoded %q as %q", cmd, msg.Command())
		}
		enc := msg.AppendPayload(nil, ProtocolVersion)
		again, err := Decode(cmd, enc, ProtocolVersion)
		if err != nil {
			t.Fatalf("re-decode of %x: %v", enc, err)
		}
		if !reflect.DeepEqual(msg, again) {
			t.Fatalf("unstable:\nfirst  %+v\nsecond %+v", msg, again)
		}
		if enc2 := again.AppendPayload(nil, ProtocolVersion); string(enc2) != string(enc) {
			t.Fatalf("re-encode differs:\n%x\n%x", enc, enc2)
		}
	})
}
