// Package dispatcher routes the messages peers do not handle themselves to the
// handler actors registered for their command.
//
// Peers send *Deliver{From, Msg} for every message after the handshake that
// is not part of the handshake, ping or feature negotiation. The dispatcher
// forwards the same *Deliver value to every handler registered for
// Msg.Command(); a command nobody handles is counted and dropped, like an
// unknown command in Bitcoin Core.
//
// Handlers join with *Register (any actor) or *Spawn (the dispatcher starts
// the handler as its child, so it appears under the dispatcher in the actor
// tree and is restarted if it crashes). The dispatcher watches every handler
// and forgets one that terminates. It answers *GetStats with *Stats and
// *inspect.Describe with its handlers as children.
package dispatcher
