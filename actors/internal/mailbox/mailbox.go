package mailbox

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Scheduler states of a mailbox.
const (
	idle int32 = iota
	running
)

// Sizes of the user message ring: the first post allocates firstRing
// slots, kept for the life of the actor; a ring that grew beyond keepRing
// slots is let go once drained, so that one burst does not pin its buffer
// for the life of an idle actor.
const (
	firstRing = 4
	keepRing  = firstRing
)

// Hooks tell the owner of a set of mailboxes (inspect.Counters) about their
// actors' lives. One Hooks serves every mailbox of its owner: a mailbox
// keeps a pointer to it, so the hooks cost an actor 8 bytes.
type Hooks struct {
	// Now is the clock of Started. Required.
	Now func() time.Time
	// Registered is called once protoactor has given the mailbox its
	// actor, whose PID is then known, and the actor's system. Nil: nothing.
	Registered func(m *Counted, system *actor.ActorSystem)
	// Stopped is called after the actor has handled a Stop or a Terminated
	// (the last child's, for a parent): the actor may have stopped, and
	// then the owner lets go of it. Nil: nothing.
	Stopped func(m *Counted)
}

// Counted is protoactor's unbounded mailbox in behaviour (system messages
// before user messages, SuspendMailbox and ResumeMailbox, a yield every
// Throughput messages, a MessageBatch posted as its items and then itself,
// a panic escalated to the supervisor) with the actor's counters inside,
// in a fraction of the memory.
//
// protoactor's own costs an idle actor about 460 bytes in five allocations
// (the mailbox, a ring of ten slots behind a queue header, a system queue
// with its stub node, and a closure per activation); a node holding twenty
// thousand idle peers pays that for each. This one is a single 160-byte
// struct whose queues are allocated when something waits: the user ring at
// the first post and kept while small, the system slice only while
// messages wait.
type Counted struct {
	mu sync.Mutex
	// ring holds waiting user messages from head, n of them; system holds
	// waiting system messages in order. All four are guarded by mu.
	head, n int32
	ring    []any
	system  []any

	status    atomic.Int32 // idle or running
	userN     atomic.Int32 // user messages waiting
	sysN      atomic.Int32 // system messages waiting
	restarts  atomic.Uint32
	suspended atomic.Bool

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
	// process is m.processMessages, bound once: a method value made at
	// each Schedule would allocate per activation.
	process func()

	hooks     *Hooks
	pid       *actor.PID
	processed atomic.Uint64
	started   atomic.Int64 // Unix nanoseconds
}

// New returns an empty mailbox that tells hooks about its actor; give it
// to an actor's props through a producer:
//
//	actor.WithMailbox(func() actor.Mailbox { return mailbox.New(hooks) })
func New(hooks *Hooks) *Counted {
	m := &Counted{hooks: hooks}
	m.process = m.processMessages
	return m
}

// PID is the mailbox's actor, nil until protoactor has registered it.
func (m *Counted) PID() *actor.PID { return m.pid }

// Processed counts the user messages the actor has handled.
func (m *Counted) Processed() uint64 { return m.processed.Load() }

// Restarts counts the times the actor's supervisor restarted it.
func (m *Counted) Restarts() uint32 { return m.restarts.Load() }

// Started is when the actor was spawned or last restarted.
func (m *Counted) Started() time.Time { return time.Unix(0, m.started.Load()) }

// selfer is what protoactor passes as the invoker: the actor's context.
type selfer interface {
	Self() *actor.PID
	ActorSystem() *actor.ActorSystem
}

// RegisterHandlers keeps the actor's invoker and dispatcher and, when the
// invoker is an actor's context, learns the actor's PID and tells the hooks.
func (m *Counted) RegisterHandlers(invoker actor.MessageInvoker, d actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, d
	if s, ok := invoker.(selfer); ok && s.Self() != nil {
		m.pid = s.Self()
		m.started.Store(m.hooks.Now().UnixNano())
		if m.hooks.Registered != nil {
			m.hooks.Registered(m, s.ActorSystem())
		}
	}
}

// Start is called once the actor is registered; there is nothing to do.
func (m *Counted) Start() {}

// UserMessageCount is the number of user messages waiting.
func (m *Counted) UserMessageCount() int { return int(m.userN.Load()) }

// PostUserMessage queues msg for the actor. A MessageBatch (also inside an
// envelope) is posted as each of its messages and then as itself, as
// protoactor's mailbox does.
func (m *Counted) PostUserMessage(msg any) {
	if batch, ok := msg.(actor.MessageBatch); ok {
		for _, item := range batch.GetMessages() {
			m.PostUserMessage(item)
		}
	} else if env, ok := msg.(*actor.MessageEnvelope); ok {
		if batch, ok := env.Message.(actor.MessageBatch); ok {
			for _, item := range batch.GetMessages() {
				m.PostUserMessage(item)
			}
		}
	}
	m.mu.Lock()
	if int(m.n) == len(m.ring) {
		m.grow()
	}
	m.ring[(int(m.head)+int(m.n))%len(m.ring)] = msg
	m.n++
	m.mu.Unlock()
	m.userN.Add(1)
	m.schedule()
}

// grow doubles the ring (or makes the first one), keeping the order.
func (m *Counted) grow() {
	ring := make([]any, max(2*len(m.ring), firstRing))
	for i := range int(m.n) {
		ring[i] = m.ring[(int(m.head)+i)%len(m.ring)]
	}
	m.ring, m.head = ring, 0
}

// popUser takes the oldest user message, false when none waits.
func (m *Counted) popUser() (any, bool) {
	if m.userN.Load() == 0 {
		return nil, false
	}
	m.mu.Lock()
	if m.n == 0 {
		m.mu.Unlock()
		return nil, false
	}
	msg := m.ring[m.head]
	m.ring[m.head] = nil
	m.head = int32((int(m.head) + 1) % len(m.ring))
	m.n--
	if m.n == 0 {
		m.head = 0
		if len(m.ring) > keepRing {
			m.ring = nil
		}
	}
	m.mu.Unlock()
	m.userN.Add(-1)
	return msg, true
}

// PostSystemMessage queues msg ahead of every user message.
func (m *Counted) PostSystemMessage(msg any) {
	m.mu.Lock()
	m.system = append(m.system, msg)
	m.mu.Unlock()
	m.sysN.Add(1)
	m.schedule()
}

// popSystem takes the oldest system message, false when none waits.
func (m *Counted) popSystem() (any, bool) {
	if m.sysN.Load() == 0 {
		return nil, false
	}
	m.mu.Lock()
	if len(m.system) == 0 {
		m.mu.Unlock()
		return nil, false
	}
	msg := m.system[0]
	if len(m.system) == 1 {
		m.system = nil // system messages are rare: hold nothing between them
	} else {
		m.system[0] = nil
		m.system = m.system[1:]
	}
	m.mu.Unlock()
	m.sysN.Add(-1)
	return msg, true
}

// schedule hands the mailbox to its dispatcher unless it is running.
func (m *Counted) schedule() {
	if m.status.CompareAndSwap(idle, running) {
		m.dispatcher.Schedule(m.process)
	}
}

// processMessages runs the actor until nothing it may handle waits; it
// runs again at once if a message came as it went idle.
func (m *Counted) processMessages() {
	for {
		m.run()
		m.status.Store(idle)
		waiting := m.sysN.Load() > 0 || (!m.suspended.Load() && m.userN.Load() > 0)
		if !waiting || !m.status.CompareAndSwap(idle, running) {
			return
		}
	}
}

// run hands the actor its messages, system ones first, yielding every
// Throughput messages; a panic in the actor goes to its supervisor.
func (m *Counted) run() {
	var msg any
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	i, t := 0, m.dispatcher.Throughput()
	for {
		if i > t {
			i = 0
			runtime.Gosched()
		}
		i++
		var ok bool
		if msg, ok = m.popSystem(); ok {
			switch msg.(type) {
			case *actor.SuspendMailbox:
				m.suspended.Store(true)
			case *actor.ResumeMailbox:
				m.suspended.Store(false)
			case *actor.Restart:
				m.restarts.Add(1)
				m.started.Store(m.hooks.Now().UnixNano())
				m.invoker.InvokeSystemMessage(msg)
			case *actor.Stop, *actor.Terminated:
				// The actor stops on one of these (the last child's
				// Terminated, for a parent): then its owner lets go.
				m.invoker.InvokeSystemMessage(msg)
				if m.pid != nil && m.hooks.Stopped != nil {
					m.hooks.Stopped(m)
				}
			default:
				m.invoker.InvokeSystemMessage(msg)
			}
			continue
		}
		if m.suspended.Load() {
			return
		}
		if msg, ok = m.popUser(); !ok {
			return
		}
		m.processed.Add(1)
		m.invoker.InvokeUserMessage(msg)
	}
}
