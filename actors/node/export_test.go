package node

import (
	"math/big"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
)

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

// WithMaxBlockRelay gives the node n block-relay-only slots instead of
// Core's (for tests of other outbound connections).
func WithMaxBlockRelay(n int) Option {
	return func(o *options) error {
		o.maxBlockRelay = &n
		return nil
	}
}

// WithRecentTip makes the node judge initial block download from a tip
// mined at the moment it is built, with more work than the network's
// minimum, instead of its genesis block: the node is then out of initial
// block download and announces its own address, as a synced node would.
// The chain actor still serves only genesis.
func WithRecentTip() Option {
	return func(o *options) error {
		o.chainTip = &chain.Tip{Time: time.Now(), Work: new(big.Int).Lsh(big.NewInt(1), 255)}
		return nil
	}
}
