// Package inspect lets a program look inside a running actor tree.
//
// Every actor of the node answers *Describe with a *Description: its kind,
// the children it supervises and a JSON-encodable summary of its own state.
// Ask sends one request and waits for its reply without protoactor futures
// (this version's race detector flags Future.Result against Respond); Tree
// walks Describe from a top actor through every child, concurrently, under
// one deadline, and returns the result as a Node tree ready for JSON, which is
// what the debug endpoint serves.
//
// Counters keeps each actor's mailbox counters (messages waiting and
// processed, restarts, uptime) for the actors spawned with its Mailbox, a
// counted mailbox (actors/internal/mailbox) that behaves as protoactor's
// own; TreeWithStats adds them to the tree. A mailbox leaves the table
// when its actor stops, so the table holds only live actors without
// sweeping: dropping stopped actors by a sweep of every entry each 256
// spawns had cost 5% of the node's CPU at 20,000 peers in the handshake
// test. A sweep remains as a safety net, after as many registrations as
// there are entries, which keeps a spawn O(1) on average.
//
// Ask and Tree block their caller: call them from outside the actor system
// (an HTTP handler, a test), never from inside an actor's Receive.
package inspect
