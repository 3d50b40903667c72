package dispatcher

import (
	"net/netip"
	"sync/atomic"

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
// same value to every handler registered for Msg.Command(); nobody changes it
// but through Done and Continue.
//
// A delivered message counts against its peer's budget until every handler
// is done with it (Core counts a message in m_msg_process_queue_size until
// ProcessMessage returns): a peer with too much in flight stops processing
// what it receives, and io then stops reading it. So every handler calls
// Done, or Continue, exactly once for every Deliver it gets, when it has
// finished with it; "defer d.Done(ctx)" at the top of its Deliver case does
// (a deferred call also runs when the handler panics). A handler that never
// does stalls the peer.
type Deliver struct {
	From Sender
	Msg  protocol.Message
	// Cost is what the message counts against its peer's budget, set by
	// the peer (the frame's bytes plus a per-message overhead); handlers
	// ignore it.
	Cost int
	// pending is the number of handlers not yet done with it: set by the
	// dispatcher before it forwards the value, 0 (one handler) when a
	// peer delivers straight to a handler.
	pending atomic.Int32
}

// Done tells the sending peer that the calling handler has finished with d.
// The last handler's call sends *Handled to From.PID.
func (d *Deliver) Done(ctx actor.SenderContext) {
	if d.pending.Add(-1) <= 0 && d.From.PID != nil {
		ctx.Send(d.From.PID, &Handled{Deliver: d, Last: true})
	}
}

// Continue is Done for a handler that served part of d and leaves the rest
// for later, as Core's ProcessGetData leaves the rest of a peer's getdata
// queue for the next round: next (such as a getdata of the entries not yet
// served) goes back to the peer, which delivers it to handler (the
// caller's own PID) in a new Deliver once its send queue is below the send
// limit, before it processes anything else it received. The peer keeps the
// pending work, so it ends with the connection.
func (d *Deliver) Continue(ctx actor.SenderContext, handler *actor.PID, next protocol.Message) {
	last := d.pending.Add(-1) <= 0
	if d.From.PID != nil {
		ctx.Send(d.From.PID, &Handled{Deliver: d, Last: last, Next: next, Handler: handler})
	}
}

// Handled tells a peer that a handler is done with one of its Delivers.
type Handled struct {
	// Deliver is the message handled.
	Deliver *Deliver
	// Last is set when every handler is done with Deliver: it no longer
	// counts against the peer's budget.
	Last bool
	// Next, when not nil, is the work Handler left for later (Continue).
	Next    protocol.Message
	Handler *actor.PID
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
