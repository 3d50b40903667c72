package inspect

import "github.com/asynkron/protoactor-go/actor"

// Describe asks an actor to describe itself; it answers ReplyTo with
// *Description. Every actor of the node handles it.
type Describe struct {
	ReplyTo *actor.PID
}

// StatsReplyTo lets the io actor answer Describe: transport cannot import
// this package, so io answers any transport.StatsRequest with its
// *transport.Stats, which Query turns into a Description.
func (m *Describe) StatsReplyTo() *actor.PID { return m.ReplyTo }

// Description is an actor's answer to Describe.
type Description struct {
	// Self is the answering actor.
	Self *actor.PID
	// Kind names what the actor is: "node", "io", "connmgr", "peer", ...
	Kind string
	// Children are the actors it supervises, to be described in turn.
	Children []*actor.PID
	// Summary is the actor's own view of itself, JSON-encodable.
	Summary map[string]any
}
