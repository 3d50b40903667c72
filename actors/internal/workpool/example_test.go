package workpool_test

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/internal/workpool"
)

// Actors whose mailboxes run on two shared workers.
func Example() {
	pool, err := workpool.New(2)
	if err != nil {
		panic(err)
	}
	defer pool.Close() // after the actors have stopped

	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()

	done := make(chan string)
	echo := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if s, ok := ctx.Message().(string); ok {
			done <- "echo: " + s
		}
	}, actor.WithDispatcher(pool)))
	system.Root.Send(echo, "hello")
	fmt.Println(<-done)
	_ = system.Root.StopFuture(echo).Wait()
	// Output: echo: hello
}
