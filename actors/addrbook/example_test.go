package addrbook_test

import (
	"fmt"
	"net/netip"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/protocol"
)

// Example adds two addresses to a book and asks it for dial candidates.
func Example() {
	system := actor.NewActorSystem()
	params, _ := protocol.Network("mainnet")
	book := system.Root.Spawn(addrbook.Props(addrbook.Config{Network: params}))

	system.Root.Send(book, &addrbook.Add{Addrs: []protocol.NetAddress{
		{Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("1.2.3.4"), Port: 8333},
		{Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("10.0.0.1"), Port: 8333}, // private: skipped
	}})

	replies := make(chan *addrbook.CandidatesReply, 1)
	inbox := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*addrbook.CandidatesReply); ok {
			replies <- r
		}
	}))
	system.Root.Send(book, &addrbook.Candidates{Max: 8, ReplyTo: inbox})
	fmt.Println((<-replies).Addrs)

	_ = system.Root.StopFuture(inbox).Wait()
	_ = system.Root.StopFuture(book).Wait()
	// Output: [1.2.3.4:8333]
}
