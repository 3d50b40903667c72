// Package mailbox is the mailbox every actor of a node runs on: it behaves
// as protoactor's unbounded mailbox and keeps the actor's counters
// (messages processed, restarts, when it started) inside, for less memory
// than protoactor's own.
//
// Counting costs one atomic add per handled message and nothing per posted
// one: no lock, no allocation, no envelope and no receiver middleware, so
// it may sit on the io <-> peer path (DESIGN.md, io rule 8). A mailbox tells
// its owner through Hooks when its actor is registered and when it may have
// stopped; inspect.Counters is that owner, and the only user: nothing
// outside the node embeds a mailbox directly, so the package is internal.
package mailbox
