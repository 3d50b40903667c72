package actortest

import (
	"log/slog"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
)

// NewSystem returns an actor system for one test, its own log discarded,
// shut down when the test ends.
func NewSystem(t TB) *actor.ActorSystem {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(system.Shutdown)
	return system
}

// VerifyNoLeaks runs a package's tests and fails them if goroutines are
// left over once they end; call it from TestMain. It ignores the one
// goroutine protoactor leaves on purpose: its dead-letter log throttle,
// which ends one interval after the last dead letter.
func VerifyNoLeaks(m *testing.M, opts ...goleak.Option) {
	goleak.VerifyTestMain(m, append(opts, goleak.IgnoreTopFunction(
		"github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))...)
}
