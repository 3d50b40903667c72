package machine_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
)

// An outbound handshake, driven by hand: the machine says what to send and
// when to wake it.
func Example() {
	nonce := uint64(0)
	m := machine.New(machine.Config{
		Remote: netip.MustParseAddrPort("127.0.0.1:18444"),
		Settings: machine.Settings{
			UserAgent: "/example:0.1/",
			Rand:      func() uint64 { nonce++; return nonce },
		},
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	show := func(out []machine.Output) {
		for _, o := range out {
			switch o.Kind {
			case machine.Send:
				fmt.Println("send", o.Msg.Command())
			case machine.Event:
				fmt.Println("event", o.Event)
			case machine.Wake:
				fmt.Println("wake at", o.At.Sub(now))
			default:
				fmt.Println(o.Kind)
			}
		}
	}

	show(m.Start(now, nil))
	show(m.Received(now, &protocol.MsgVersion{ProtocolVersion: 70016, Nonce: 99}, nil))
	show(m.Received(now, &protocol.MsgVerack{}, nil))
	// Output:
	// send version
	// wake at 1m0s
	// send wtxidrelay
	// send sendaddrv2
	// send verack
	// event handshake-complete
	// send ping
	// wake at 20m0s
}
