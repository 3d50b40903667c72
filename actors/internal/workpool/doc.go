// Package workpool is a protoactor mailbox dispatcher that runs mailboxes on a
// fixed set of long-lived goroutines.
//
// protoactor's default dispatcher starts a goroutine for every mailbox
// activation, whose stack then grows again from its minimum: with thousands
// of peer actors each woken for every read, that cost 8-11% of the CPU in the
// prototype (DESIGN.md, io rule 6). A Pool keeps a few workers whose stacks
// stay grown and hands them scheduled mailboxes through one queue.
//
// Give it to the actors that should share it:
//
//	pool := workpool.New(runtime.GOMAXPROCS(0))
//	defer pool.Close() // after the actors using it have stopped
//	props := actor.PropsFromProducer(newPeer, actor.WithDispatcher(pool))
//
// Schedule never blocks: when the queue is full (a burst larger than its
// capacity) or after Close, it falls back to a goroutine of its own, so an
// actor sending from inside a worker can never deadlock the pool.
package workpool
