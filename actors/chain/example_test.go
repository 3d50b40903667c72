package chain_test

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// The chain actor answers a peer's getdata for the genesis block.
func Example() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	params, _ := protocol.Network(protocol.NameRegtest)

	// A stand-in for the peer actor: it reports what it is asked to send.
	sent := make(chan protocol.Message, 1)
	remote := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*peer.SendMessage); ok {
			sent <- m.Msg
		}
	}))
	d, _ := system.Root.SpawnNamed(dispatcher.Props(), "dispatcher")
	defer func() { _ = system.Root.StopFuture(d).Wait() }()

	system.Root.Send(d, &dispatcher.Spawn{Name: "chain", Props: chain.Props(chain.Config{Network: params}), Commands: chain.Commands()})
	system.Root.Send(d, &dispatcher.Deliver{
		From: dispatcher.Sender{ID: 1, PID: remote},
		Msg:  &protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeWitnessBlock, Hash: params.GenesisHash}}},
	})
	block := (<-sent).(*protocol.MsgRaw)
	fmt.Println(block.Cmd, len(block.Payload), "bytes, hash", protocol.DoubleSHA256(block.Payload[:protocol.BlockHeaderSize]))
	_ = system.Root.StopFuture(remote).Wait()
	// Output: block 285 bytes, hash 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206
}
