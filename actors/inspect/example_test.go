package inspect_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/inspect"
)

// A two-actor tree, described and printed as JSON.
func Example() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()

	leaf := actor.PropsFromFunc(func(ctx actor.Context) {
		if d, ok := ctx.Message().(*inspect.Describe); ok {
			ctx.Send(d.ReplyTo, &inspect.Description{Self: ctx.Self(), Kind: "leaf", Summary: map[string]any{"answer": 42}})
		}
	})
	top, _ := system.Root.SpawnNamed(actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			_, _ = ctx.SpawnNamed(leaf, "leaf")
		case *inspect.Describe:
			ctx.Send(msg.ReplyTo, &inspect.Description{Self: ctx.Self(), Kind: "top", Children: ctx.Children()})
		}
	}), "top")
	defer func() { _ = system.Root.StopFuture(top).Wait() }()

	out, _ := json.Marshal(inspect.Tree(system.Root, top, time.Second))
	fmt.Println(string(out))
	// Output: {"path":"top","kind":"top","children":[{"path":"top/leaf","parent":"top","kind":"leaf","summary":{"answer":42}}]}
}
