package rpc

import (
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/node/nodeinfo"
)

// Backend is the node the methods ask: its actors and what it says about
// itself.
type Backend struct {
	// Root is the node's root context, to ask the actors from.
	Root *actor.RootContext
	// ConnMgr, AddrBook and IO are the actors asked.
	ConnMgr, AddrBook, IO *actor.PID
	// Chain is the chain actor (the blockchain methods); nil makes them
	// fail with an internal error.
	Chain *actor.PID
	// Identity is what getnetworkinfo says about the node.
	Identity nodeinfo.Identity
	// Started is when the node started (uptime).
	Started time.Time
	// Stop asks the node to stop; it must return at once (the reply to
	// "stop" goes out before the node is gone).
	Stop func()
	// Timeout bounds the questions of one call. Default 5s.
	Timeout time.Duration
	// Clock is time.Now unless set.
	Clock func() time.Time
}

func (b *Backend) check() error {
	switch {
	case b.Root == nil:
		return errors.New("rpc: backend has no root context")
	case b.ConnMgr == nil:
		return errors.New("rpc: backend has no connmgr")
	case b.Stop == nil:
		return errors.New("rpc: backend has no Stop")
	}
	if b.Timeout <= 0 {
		b.Timeout = 5 * time.Second
	}
	if b.Clock == nil {
		b.Clock = time.Now
	}
	return nil
}
