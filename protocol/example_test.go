package protocol_test

import (
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// A ping framed for regtest, then read back the way the io actor and a peer
// actor do: header, checks, command, decode.
func Example() {
	params, err := protocol.Network("regtest")
	if err != nil {
		panic(err)
	}
	frame := protocol.AppendFrame(nil, params.Magic, &protocol.MsgPing{Nonce: 42}, protocol.ProtocolVersion)

	hdr, err := protocol.ParseHeader(frame)
	if err != nil {
		panic(err)
	}
	if err := hdr.Check(params.Magic); err != nil {
		panic(err)
	}
	payload := frame[protocol.HeaderSize : protocol.HeaderSize+int(hdr.Length)]
	if err := hdr.VerifyChecksum(payload); err != nil {
		panic(err)
	}
	msg, err := protocol.Decode(hdr.CommandName(), payload, protocol.ProtocolVersion)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d-byte frame: %s %+v\n", len(frame), msg.Command(), msg)

	_, err = protocol.Decode(protocol.CmdPong, payload[:3], protocol.ProtocolVersion)
	fmt.Println(err)
	// Output:
	// 32-byte frame: ping &{Nonce:42}
	// decode pong: nonce: short input
}
