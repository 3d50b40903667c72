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
	byID       map[string]*counter
	registered int
}

// NewCounters returns an empty table.
func NewCounters() *Counters {
	return &Counters{clock: time.Now, byID: make(map[string]*counter)}
}

// counter is one actor's live counts. The mailbox goroutine writes them
// with atomics; readers load them.
type counter struct {
	pid       *actor.PID
	system    *actor.ActorSystem
	mailbox   actor.Mailbox
	processed atomic.Uint64
	restarts  atomic.Uint64
	started   atomic.Int64 // Unix nanoseconds
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
	entries := make([]*counter, 0, len(c.byID))
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

func (c *Counters) snapshot(e *counter) Stats {
	return Stats{
		MailboxLen:    e.mailbox.UserMessageCount(),
		Processed:     e.processed.Load(),
		Restarts:      e.restarts.Load(),
		UptimeSeconds: c.clock().Sub(time.Unix(0, e.started.Load())).Seconds(),
	}
}

// register records e; every pruneEvery registrations it drops the entries of
// actors that have left the process registry.
func (c *Counters) register(e *counter) {
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
func (e *counter) alive() bool {
	_, ok := e.system.ProcessRegistry.GetLocal(e.pid.Id)
	return ok
}

// countedMailbox is protoactor's mailbox with the handler side wrapped:
// posting goes straight to the inner mailbox.
type countedMailbox struct {
	actor.Mailbox
	table *Counters
}

// selfer is what protoactor passes as the invoker: the actor's context.
type selfer interface {
	Self() *actor.PID
	ActorSystem() *actor.ActorSystem
}

// RegisterHandlers learns the actor's PID from its context, registers the
// counters and puts the counting invoker between the mailbox and the actor.
func (m *countedMailbox) RegisterHandlers(invoker actor.MessageInvoker, d actor.Dispatcher) {
	s, ok := invoker.(selfer)
	if !ok || s.Self() == nil {
		m.Mailbox.RegisterHandlers(invoker, d)
		return
	}
	e := &counter{pid: s.Self(), system: s.ActorSystem(), mailbox: m.Mailbox}
	e.started.Store(m.table.clock().UnixNano())
	m.table.register(e)
	m.Mailbox.RegisterHandlers(&countingInvoker{MessageInvoker: invoker, c: e, clock: m.table.clock}, d)
}

// countingInvoker counts what the mailbox hands the actor.
type countingInvoker struct {
	actor.MessageInvoker
	c     *counter
	clock func() time.Time
}

func (i *countingInvoker) InvokeUserMessage(msg any) {
	i.c.processed.Add(1)
	i.MessageInvoker.InvokeUserMessage(msg)
}

func (i *countingInvoker) InvokeSystemMessage(msg any) {
	if _, ok := msg.(*actor.Restart); ok {
		i.c.restarts.Add(1)
		i.c.started.Store(i.clock().UnixNano())
	}
	i.MessageInvoker.InvokeSystemMessage(msg)
}
