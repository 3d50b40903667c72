package node

import "github.com/asynkron/protoactor-go/actor"

// Crash is a message that makes any child of the root panic with
// "test crash" (through WithCrashHook).
type Crash struct{}

// WithCrashHook makes every child of the root panic on Crash, as a bug in
// its Receive would.
func WithCrashHook() Option {
	return func(o *options) error {
		o.childMiddleware = append(o.childMiddleware, func(next actor.ReceiverFunc) actor.ReceiverFunc {
			return func(c actor.ReceiverContext, env *actor.MessageEnvelope) {
				if _, ok := env.Message.(*Crash); ok {
					panic("test crash")
				}
				next(c, env)
			}
		})
		return nil
	}
}
