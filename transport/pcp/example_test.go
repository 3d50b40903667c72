package pcp_test

import (
	"fmt"
	"net/netip"

	"github.com/actornode/actornode/transport/pcp"
)

// A MAP request for TCP port 8333 for an hour, as the client sends it.
func ExampleAppendMapRequest() {
	req := pcp.AppendMapRequest(nil, &pcp.MapRequest{
		Lifetime:     3600,
		Client:       netip.MustParseAddr("192.168.1.20"),
		Protocol:     pcp.ProtoTCP,
		InternalPort: 8333, SuggestedPort: 8333, SuggestedIP: netip.IPv4Unspecified(),
	})
	fmt.Printf("%d bytes, version %d, opcode %d\n", len(req), req[0], req[1])
	fmt.Printf("lifetime %x, client %x\n", req[4:8], req[8:24])
	// Output:
	// 60 bytes, version 2, opcode 1
	// lifetime 00000e10, client 00000000000000000000ffffc0a80114
}
