package wirediff

import (
	"bytes"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// FuzzDifferential decodes the same payload with both packages as one of
// the shared commands. Both must agree on accepting it, and when both
// accept, both must encode what they decoded to the same bytes; any
// disagreement must be one knownDifference names.
func FuzzDifferential(f *testing.F) {
	for _, msg := range corpus(f) {
		enc := msg.AppendPayload(nil, pver)
		if len(enc) > 4096 {
			continue
		}
		for i, cmd := range sharedCommands {
			if cmd == msg.Command() {
				f.Add(uint8(i), enc)
			}
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, payload []byte) {
		cmd := sharedCommands[int(sel)%len(sharedCommands)]
		ours, ourErr := protocol.Decode(cmd, payload, pver)
		bm, btcdErr := btcdDecode(cmd, payload)
		if ourErr != nil || btcdErr != nil {
			if (ourErr == nil) != (btcdErr == nil) {
				if reason := knownDifference(cmd, payload, ours, ourErr, bm, btcdErr); reason == "" {
					t.Fatalf("%s %x: ours %v, btcd %v", cmd, payload, ourErr, btcdErr)
				}
			}
			return
		}
		oursEnc := ours.AppendPayload(nil, pver)
		theirs := btcdEncode(t, bm)
		if !bytes.Equal(oursEnc, theirs) {
			if reason := knownDifference(cmd, payload, ours, ourErr, bm, btcdErr); reason == "" {
				t.Fatalf("%s %x decodes differently:\nours  %x\nbtcd  %x", cmd, payload, oursEnc, theirs)
			}
		}
	})
}
