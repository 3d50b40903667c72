package dispatcher_test

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/protocol"
)

// A handler started by the dispatcher for inv messages.
func Example() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()

	got := make(chan string, 1)
	inventory := actor.PropsFromFunc(func(ctx actor.Context) {
		if d, ok := ctx.Message().(*dispatcher.Deliver); ok {
			got <- fmt.Sprintf("peer %d sent %s", d.From.ID, d.Msg.Command())
		}
	})
	d, _ := system.Root.SpawnNamed(dispatcher.Props(), "dispatcher")
	defer func() { _ = system.Root.StopFuture(d).Wait() }()

	system.Root.Send(d, &dispatcher.Spawn{Name: "inventory", Props: inventory, Commands: []string{protocol.CmdInv}})
	system.Root.Send(d, &dispatcher.Deliver{From: dispatcher.Sender{ID: 3}, Msg: &protocol.MsgInv{}})
	fmt.Println(<-got)
	// Output: peer 3 sent inv
}
