package inspect

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// pruneEvery is how many registrations pass between two sweeps of the
// entries of actors that have stopped: the sweep costs one registry lookup
// per entry, so spreading it keeps a spawn O(1) on average.
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
// A Counters belongs to one node; it holds no global state.
type Counters struct {
	clock func() time.Time

	mu         sync.Mutex
	byID       map[string]*countedMailbox
	registered int
}

// NewCounters returns an empty table.
func NewCounters() *Counters {
	return &Counters{clock: time.Now, byID: make(map[string]*countedMailbox)}
}

// Mailbox returns a mailbox producer to give an actor's props
// (actor.WithMailbox, or props.Configure): protoactor's unbounded mailbox,
// counted. Each produced mailbox learns its actor's PID when protoactor
// registers the actor with it.
func (c *Counters) Mailbox() actor.MailboxProducer {
	inner := actor.Unbounded()
	return func() actor.Mailbox {
		return &countedMailbox{Mailbox: inner(), table: c}
	}
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
	if e == nil || !e.alive() {
		return Stats{}, false
	}
	return c.snapshot(e), true
}

// Each calls fn with the path and counters of every live actor counted,
// in no particular order.
func (c *Counters) Each(fn func(path string, s Stats)) {
	c.mu.Lock()
	entries := make([]*countedMailbox, 0, len(c.byID))
	for _, e := range c.byID {
		entries = append(entries, e)
	}
	c.mu.Unlock()
	for _, e := range entries {
		if e.alive() {
			fn(e.pid.Id, c.snapshot(e))
		}
	}
}

func (c *Counters) snapshot(e *countedMailbox) Stats {
	return Stats{
		MailboxLen:    e.Mailbox.UserMessageCount(),
		Processed:     e.processed.Load(),
		Restarts:      e.restarts.Load(),
		UptimeSeconds: c.clock().Sub(time.Unix(0, e.started.Load())).Seconds(),
	}
}

// register records e; every pruneEvery registrations it drops the entries of
// actors that have left the process registry.
func (c *Counters) register(e *countedMailbox) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[e.pid.Id] = e
	c.registered++
	if c.registered%pruneEvery != 0 {
		return
	}
	for id, old := range c.byID {
		if !old.alive() {
			delete(c.byID, id)
		}
	}
}

// alive reports whether the actor is still in its system's registry (an
// actor leaves it once it has stopped).
func (e *countedMailbox) alive() bool {
	_, ok := e.system.ProcessRegistry.GetLocal(e.pid.Id)
	return ok
}

// countedMailbox is protoactor's mailbox with the actor's counters: it puts
// itself between the mailbox and the actor as the invoker, so posting goes
// straight to the inner mailbox and handling costs one atomic add. One
// allocation per actor, at spawn.
type countedMailbox struct {
	actor.Mailbox
	// MessageInvoker is the actor's context, set by RegisterHandlers.
	actor.MessageInvoker

	table     *Counters
	pid       *actor.PID
	system    *actor.ActorSystem
	processed atomic.Uint64
	restarts  atomic.Uint64
	started   atomic.Int64 // Unix nanoseconds
}

// selfer is what protoactor passes as the invoker: the actor's context.
type selfer interface {
	Self() *actor.PID
	ActorSystem() *actor.ActorSystem
}

// RegisterHandlers learns the actor's PID from its context, registers the
// counters and puts itself between the mailbox and the actor.
func (m *countedMailbox) RegisterHandlers(invoker actor.MessageInvoker, d actor.Dispatcher) {
	s, ok := invoker.(selfer)
	if !ok || s.Self() == nil {
		m.Mailbox.RegisterHandlers(invoker, d)
		return
	}
	m.MessageInvoker = invoker
	m.pid, m.system = s.Self(), s.ActorSystem()
	m.started.Store(m.table.clock().UnixNano())
	m.table.register(m)
	m.Mailbox.RegisterHandlers(m, d)
}

// InvokeUserMessage counts the message and hands it to the actor.
func (m *countedMailbox) InvokeUserMessage(msg any) {
	m.processed.Add(1)
	m.MessageInvoker.InvokeUserMessage(msg)
}

// InvokeSystemMessage counts restarts and hands the message to the actor.
func (m *countedMailbox) InvokeSystemMessage(msg any) {
	if _, ok := msg.(*actor.Restart); ok {
		m.restarts.Add(1)
		m.started.Store(m.table.clock().UnixNano())
	}
	m.MessageInvoker.InvokeSystemMessage(msg)
}
