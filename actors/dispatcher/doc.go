// Package dispatcher routes the messages peers do not handle themselves to the
// handler actors registered for their command.
//
// Peers send *Deliver{From, Msg} for every message after the handshake that
// is not part of the handshake, ping or feature negotiation and that has a
// handler: the dispatcher keeps Routes (WithRoutes), the set of commands
// with handlers, which peers read before they decode a frame, so nothing
// nobody processes is decoded. The dispatcher forwards the same *Deliver
// value to every handler registered for Msg.Command(); a command nobody
// handles (a handler left meanwhile) is counted and dropped, like an
// unknown command in Bitcoin Core.
//
// A delivered message counts against its peer until every handler is done
// with it: each handler calls Deliver.Done (or Continue, leaving the rest
// of the work with the peer, which hands it back when it can send again)
// exactly once per Deliver, and the last call sends the peer *Handled. A
// peer with too much in flight stops processing, so a handler that never
// reports done stalls its peers, and a slow one holds each peer to a few
// messages in its mailbox rather than millions.
//
// Handlers join with *Register (any actor) or *Spawn (the dispatcher starts
// the handler as its child, so it appears under the dispatcher in the actor
// tree and is restarted if it crashes). The dispatcher watches every handler
// and forgets one that terminates. It answers *GetStats with *Stats and
// *inspect.Describe with its handlers as children.
package dispatcher
