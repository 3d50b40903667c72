package connmgr

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr/machine"
)

// GetAddedNodes asks for the nodes kept connected (-connect, -addnode and
// AddNode "add"; not onetry or -seednode), for Core's getaddednodeinfo;
// answered with *AddedNodes to ReplyTo.
type GetAddedNodes struct {
	ReplyTo *actor.PID
}

// AddedNodes answers GetAddedNodes, sorted by name.
type AddedNodes struct {
	List []AddedNode
}

// AddedNode is one node kept connected: its Name as the operator gave it,
// whether a peer serves it (Connected) and at which Addr.
type AddedNode = machine.AddedNode
