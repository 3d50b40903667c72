package inspect

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/internal/mailbox"
)

// pruneEvery is the least number of registrations between two sweeps of
// the entries of actors that have stopped (an actor's mailbox removes its
// entry when the actor stops; the sweep catches any it missed). The sweep
// costs one registry lookup per entry, so sweeping only after as many
// registrations as there are entries keeps a spawn O(1) on average.
const pruneEvery = 256

// Stats are the counters of one actor's mailbox, as the debug endpoint
// shows them beside the actor's own summary.
type Stats struct {
	// MailboxLen is the number of user messages waiting.
	MailboxLen int `json:"mailbox_len"`
	// Processed counts the user messages the actor has handled.
	Processed uint64 `json:"processed"`
	// Restarts counts the times its supervisor restarted it.
	Restarts uint64 `json:"restarts"`
	// UptimeSeconds is the time since it was spawned or last restarted.
	UptimeSeconds float64 `json:"uptime_s"`
}

// Counters keeps Stats for every actor spawned with its Mailbox. The
// counting costs one atomic add per handled message and nothing per posted
// one: no lock, no allocation, no envelope and no receiver middleware, so it
// may sit on the io <-> peer path (DESIGN.md, io rule 8). Registration (at
// spawn) takes a lock; so do Stats and Each.
//
// A Counters belongs to one node and serves the actors of one actor
// system; it holds no global state.
type Counters struct {
	clock func() time.Time

	// hooks is what every mailbox of this table tells its actor's life to.
	hooks *mailbox.Hooks

	mu   sync.Mutex
	byID map[string]*mailbox.Counted
	// sincePrune counts registrations since the last sweep.
	sincePrune int
	// system is the actor system of the actors counted (the first one
	// registered; a node has one), whose registry says which are alive.
	system *actor.ActorSystem
}

// NewCounters returns an empty table.
func NewCounters() *Counters {
	c := &Counters{clock: time.Now, byID: make(map[string]*mailbox.Counted)}
	c.hooks = &mailbox.Hooks{
		Now:        func() time.Time { return c.clock() },
		Registered: c.register,
		Stopped:    c.stopped,
	}
	return c
}

// Mailbox returns a mailbox producer to give an actor's props
// (actor.WithMailbox, or props.Configure): an unbounded mailbox that
// behaves as protoactor's own and keeps the actor's counters (package
// actors/internal/mailbox). Each produced mailbox learns its actor's PID
// when protoactor registers the actor with it.
func (c *Counters) Mailbox() actor.MailboxProducer {
	return func() actor.Mailbox { return mailbox.New(c.hooks) }
}

// Stats returns the counters of pid, false when no live actor of that PID
// was spawned with this table's Mailbox.
func (c *Counters) Stats(pid *actor.PID) (Stats, bool) {
	if pid == nil {
		return Stats{}, false
	}
	c.mu.Lock()
	e := c.byID[pid.Id]
	c.mu.Unlock()
	if e == nil || !c.alive(e) {
		return Stats{}, false
	}
	return c.snapshot(e), true
}

// Each calls fn with the path and counters of every live actor counted,
// in no particular order.
func (c *Counters) Each(fn func(path string, s Stats)) {
	c.mu.Lock()
	entries := make([]*mailbox.Counted, 0, len(c.byID))
	for _, e := range c.byID {
		entries = append(entries, e)
	}
	c.mu.Unlock()
	for _, e := range entries {
		if c.alive(e) {
			fn(e.PID().Id, c.snapshot(e))
		}
	}
}

func (c *Counters) snapshot(e *mailbox.Counted) Stats {
	return Stats{
		MailboxLen:    e.UserMessageCount(),
		Processed:     e.Processed(),
		Restarts:      uint64(e.Restarts()),
		UptimeSeconds: c.clock().Sub(e.Started()).Seconds(),
	}
}

// register records e; every pruneEvery registrations it drops the entries of
// actors that have left the process registry.
func (c *Counters) register(e *mailbox.Counted, system *actor.ActorSystem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.system == nil {
		c.system = system
	}
	c.byID[e.PID().Id] = e
	c.sincePrune++
	if c.sincePrune < max(pruneEvery, len(c.byID)) {
		return
	}
	c.sincePrune = 0
	for id, old := range c.byID {
		if !c.alive(old) {
			delete(c.byID, id)
		}
	}
}

// stopped drops e's entry once its actor has stopped (e's actor has just
// handled a Stop or a Terminated).
func (c *Counters) stopped(e *mailbox.Counted) {
	if c.alive(e) {
		return
	}
	id := e.PID().Id
	c.mu.Lock()
	if c.byID[id] == e {
		delete(c.byID, id)
	}
	c.mu.Unlock()
}

// alive reports whether e's actor is still in its system's registry (an
// actor leaves it once it has stopped).
func (c *Counters) alive(e *mailbox.Counted) bool {
	_, ok := c.system.ProcessRegistry.GetLocal(e.PID().Id)
	return ok
}
