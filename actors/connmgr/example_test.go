package connmgr_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// Example bans a subnet and lists the bans. The io actor is a stand-in that
// ignores what it is sent; a node gives connmgr the transport package's.
func Example() {
	system := actor.NewActorSystem()
	params, _ := protocol.Network("regtest")
	io := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	cm := system.Root.Spawn(connmgr.Props(connmgr.Config{
		Network:   params,
		IO:        io,
		PeerProps: func(c peer.Config) *actor.Props { return peer.Props(c) },
	}))

	until := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	system.Root.Send(cm, &connmgr.Ban{Subnet: netip.MustParsePrefix("192.0.2.0/24"), Until: until})

	replies := make(chan *connmgr.Bans, 1)
	inbox := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if b, ok := ctx.Message().(*connmgr.Bans); ok {
			replies <- b
		}
	}))
	system.Root.Send(cm, &connmgr.ListBans{ReplyTo: inbox})
	for _, b := range (<-replies).List {
		fmt.Println(b.Subnet, b.Until.Format(time.DateOnly))
	}

	for _, pid := range []*actor.PID{cm, inbox, io} {
		_ = system.Root.StopFuture(pid).Wait()
	}
	// Output: 192.0.2.0/24 2030-01-01
}
