package dispatcher

import (
	"net/netip"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/protocol"
)

// Sender names the peer a delivered message came from; a handler answers by
// sending *peer.SendMessage to PID.
type Sender struct {
	ID      uint64
	PID     *actor.PID
	Remote  netip.AddrPort
	Inbound bool
}

// Deliver carries one decoded message from a peer. The dispatcher forwards the
// same value to every handler registered for Msg.Command(); nobody changes it.
type Deliver struct {
	From Sender
	Msg  protocol.Message
}

// Register adds Handler for Command. A handler may register for several
// commands; several handlers may share one command (each gets every message).
type Register struct {
	Command string
	Handler *actor.PID
}

// Unregister removes Handler from Command ("" removes it from every command).
type Unregister struct {
	Command string
	Handler *actor.PID
}

// Spawn asks the dispatcher to start a handler as its own child (so it shows
// under the dispatcher in the actor tree and is supervised by it) and register
// it for Commands. Name is the child's name ("" picks one). The dispatcher
// answers ReplyTo, when set, with *Spawned.
type Spawn struct {
	Name     string
	Props    *actor.Props
	Commands []string
	ReplyTo  *actor.PID
}

// Spawned answers Spawn: PID is the new handler, or Err says why it could not
// be started.
type Spawned struct {
	Name string
	PID  *actor.PID
	Err  error
}

// GetStats asks the dispatcher for its counters, answered with *Stats to
// ReplyTo.
type GetStats struct {
	ReplyTo *actor.PID
}

// Stats is the dispatcher's snapshot.
type Stats struct {
	// Delivered counts messages handed to at least one handler.
	Delivered uint64
	// Unhandled counts, per command, messages no handler was registered for
	// (commands beyond the first 256 distinct ones count under "*other*").
	Unhandled map[string]uint64
	// Handlers is the number of handlers registered per command.
	Handlers map[string]int
}
