package mailbox

import (
	"unsafe"

	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// recorder is an invoker that records what it is handed, in order.
type recorder struct {
	mu        sync.Mutex
	got       []any
	escalated []any
	panicOn   any
}

func (r *recorder) InvokeSystemMessage(msg any) { r.add(msg) }

func (r *recorder) InvokeUserMessage(msg any) {
	if r.panicOn != nil && msg == r.panicOn {
		panic("boom")
	}
	r.add(msg)
}

func (r *recorder) EscalateFailure(reason, msg any) {
	r.mu.Lock()
	r.escalated = append(r.escalated, msg)
	r.mu.Unlock()
}

func (r *recorder) add(msg any) {
	r.mu.Lock()
	r.got = append(r.got, msg)
	r.mu.Unlock()
}

func (r *recorder) messages() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.got...)
}

// heldDispatcher keeps what it is asked to schedule until the test runs it,
// so that a test decides when the mailbox is processed.
type heldDispatcher struct {
	mu      sync.Mutex
	pending []func()
}

func (d *heldDispatcher) Schedule(fn func()) {
	d.mu.Lock()
	d.pending = append(d.pending, fn)
	d.mu.Unlock()
}

func (d *heldDispatcher) Throughput() int { return 3 }

func (d *heldDispatcher) runAll() int {
	d.mu.Lock()
	fns := d.pending
	d.pending = nil
	d.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	return len(fns)
}

func newTestMailbox(r *recorder, d actor.Dispatcher) *Counted {
	m := New(&Hooks{Now: time.Now})
	m.RegisterHandlers(r, d)
	return m
}

// newSystem is an actor system that logs nothing, shut down when the test
// ends.
func newSystem(t *testing.T) *actor.ActorSystem {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(system.Shutdown)
	return system
}

func TestMailboxDeliversSystemFirstThenUserInOrderAcrossGrowth(t *testing.T) {
	r, d := &recorder{}, &heldDispatcher{}
	m := newTestMailbox(r, d)
	const n = 16*keepRing + 5 // grows the ring several times
	for i := range n {
		m.PostUserMessage(i)
	}
	m.PostSystemMessage("sys")
	if got := m.UserMessageCount(); got != n {
		t.Fatalf("UserMessageCount = %d, want %d", got, n)
	}
	if runs := d.runAll(); runs != 1 {
		t.Fatalf("scheduled %d times for one batch of posts, want 1", runs)
	}
	got := r.messages()
	if len(got) != n+1 || got[0] != "sys" {
		t.Fatalf("got %d messages starting %v, want %d starting with the system message", len(got), got[:1], n+1)
	}
	for i := range n {
		if got[i+1] != i {
			t.Fatalf("message %d = %v, want %d", i+1, got[i+1], i)
		}
	}
	if m.ring != nil || m.system != nil || m.UserMessageCount() != 0 {
		t.Fatalf("drained mailbox holds ring %d, system %d, count %d; want all released",
			len(m.ring), len(m.system), m.UserMessageCount())
	}
	if p := m.processed.Load(); p != n {
		t.Fatalf("processed = %d, want %d", p, n)
	}
}

func TestMailboxKeepsASmallRingAfterDraining(t *testing.T) {
	r, d := &recorder{}, &heldDispatcher{}
	m := newTestMailbox(r, d)
	m.PostUserMessage("a")
	d.runAll()
	if len(m.ring) != firstRing {
		t.Fatalf("ring after one message = %d slots, want %d kept for the next", len(m.ring), firstRing)
	}
}

func TestMailboxSuspendHoldsUserMessagesUntilResume(t *testing.T) {
	r, d := &recorder{}, &heldDispatcher{}
	m := newTestMailbox(r, d)
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.PostUserMessage("held")
	d.runAll()
	if got := r.messages(); len(got) != 0 {
		t.Fatalf("suspended mailbox delivered %v", got)
	}
	m.PostSystemMessage(&actor.ResumeMailbox{})
	d.runAll()
	if got := r.messages(); len(got) != 1 || got[0] != "held" {
		t.Fatalf("after resume got %v, want [held]", got)
	}
}

type batch struct{ items []any }

func (b *batch) GetMessages() []any { return b.items }

func TestMailboxPostsABatchAsItsItemsThenItself(t *testing.T) {
	r, d := &recorder{}, &heldDispatcher{}
	m := newTestMailbox(r, d)
	b := &batch{items: []any{"x", "y"}}
	m.PostUserMessage(b)
	d.runAll()
	got := r.messages()
	if len(got) != 3 || got[0] != "x" || got[1] != "y" || got[2] != b {
		t.Fatalf("got %v, want x, y, then the batch", got)
	}
}

func TestMailboxEscalatesAPanicAndGoesOn(t *testing.T) {
	r, d := &recorder{panicOn: "bad"}, &heldDispatcher{}
	m := newTestMailbox(r, d)
	m.PostUserMessage("bad")
	m.PostUserMessage("after")
	d.runAll()
	if len(r.escalated) != 1 || r.escalated[0] != "bad" {
		t.Fatalf("escalated %v, want [bad]", r.escalated)
	}
	// The mailbox went idle with "after" waiting, so it ran again.
	if got := r.messages(); len(got) != 1 || got[0] != "after" {
		t.Fatalf("after the panic got %v, want [after]", got)
	}
}

// TestMailboxConcurrentPostersLoseNothing posts from several goroutines
// to an actor on protoactor's default dispatcher; run it with -race.
func TestMailboxConcurrentPostersLoseNothing(t *testing.T) {
	system := newSystem(t)
	var m *Counted
	const posters, each = 8, 2000
	var mu sync.Mutex
	last := make(map[int]int) // poster -> last sequence seen
	bad := ""
	done := make(chan struct{})
	total := 0
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		msg, ok := ctx.Message().([2]int)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if prev, seen := last[msg[0]]; (seen && msg[1] != prev+1) || (!seen && msg[1] != 0) {
			bad = fmt.Sprintf("poster %d: %d after %d", msg[0], msg[1], prev)
		}
		last[msg[0]] = msg[1]
		if total++; total == posters*each {
			close(done)
		}
	}, actor.WithMailbox(func() actor.Mailbox {
		m = New(&Hooks{Now: time.Now})
		return m
	}))
	pid := system.Root.Spawn(props)
	var wg sync.WaitGroup
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				system.Root.Send(pid, [2]int{p, i})
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("only %d of %d messages arrived", total, posters*each)
	}
	mu.Lock()
	defer mu.Unlock()
	if bad != "" {
		t.Fatal("out of order: " + bad)
	}
	if p := m.Processed(); p < posters*each {
		t.Fatalf("processed = %d, want at least %d", p, posters*each)
	}
}

// TestMailboxTellsItsHooksAndCountsRestarts spawns an actor on a mailbox,
// makes it panic once and stops it: the hooks hear of its registration and
// of its stop, and the counters of its messages and restart.
func TestMailboxTellsItsHooksAndCountsRestarts(t *testing.T) {
	system := newSystem(t)
	var (
		mu         sync.Mutex
		registered []*actor.PID
		stopped    = make(chan struct{}, 1)
	)
	var now time.Time // the hooks' clock, moved by the test
	hooks := &Hooks{
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		},
		Registered: func(m *Counted, s *actor.ActorSystem) {
			mu.Lock()
			defer mu.Unlock()
			if s != system {
				t.Errorf("registered with system %p, want %p", s, system)
			}
			registered = append(registered, m.PID())
		},
		Stopped: func(*Counted) {
			select {
			case stopped <- struct{}{}:
			default:
			}
		},
	}
	setNow := func(at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		now = at
	}
	start := time.Unix(1_700_000_000, 0)
	setNow(start)
	var m *Counted
	done := make(chan struct{}, 4)
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message() {
		case "boom":
			panic("boom")
		case "hello":
			done <- struct{}{}
		}
	}, actor.WithMailbox(func() actor.Mailbox {
		m = New(hooks)
		return m
	}))
	pid := system.Root.Spawn(props)

	mu.Lock()
	if len(registered) != 1 || !registered[0].Equal(pid) || !m.PID().Equal(pid) {
		t.Errorf("registered %v, mailbox PID %v; want [%v]", registered, m.PID(), pid)
	}
	mu.Unlock()
	if !m.Started().Equal(start) {
		t.Errorf("Started = %v, want the hooks' clock at spawn, %v", m.Started(), start)
	}

	restartAt := start.Add(time.Minute)
	setNow(restartAt)
	system.Root.Send(pid, "boom")
	system.Root.Send(pid, "hello")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the actor did not handle a message after its restart")
	}
	if m.Restarts() != 1 || m.Processed() != 2 || !m.Started().Equal(restartAt) {
		t.Errorf("restarts %d, processed %d, started %v; want 1, 2, %v",
			m.Restarts(), m.Processed(), m.Started(), restartAt)
	}

	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stopped was not called after the actor stopped")
	}
}

// TestMailboxIsOneSmallStruct pins the size an idle actor pays for its
// mailbox: 160 bytes, one allocation size class (the README's figures per
// idle peer count on it).
func TestMailboxIsOneSmallStruct(t *testing.T) {
	if size := unsafe.Sizeof(Counted{}); size > 160 {
		t.Fatalf("a mailbox takes %d bytes, want at most 160", size)
	}
}

// inline runs what it is asked to schedule at once, on the caller's
// goroutine.
type inline struct{}

func (inline) Schedule(fn func()) { fn() }
func (inline) Throughput() int    { return 300 }

// nop is an invoker that handles every message by doing nothing.
type nop struct{}

func (nop) InvokeSystemMessage(any)  {}
func (nop) InvokeUserMessage(any)    {}
func (nop) EscalateFailure(any, any) {}

// TestMailboxPostAndRunDoNotAllocate holds the mailbox to what the debug
// endpoint's documentation promises: counting a message costs an atomic
// add, and once its ring exists, posting a message and running the actor
// on it allocate nothing.
func TestMailboxPostAndRunDoNotAllocate(t *testing.T) {
	m := New(&Hooks{Now: time.Now})
	m.RegisterHandlers(nop{}, inline{})
	msg := &struct{ n int }{}
	m.PostUserMessage(msg) // makes the ring
	allocs := testing.AllocsPerRun(1000, func() { m.PostUserMessage(msg) })
	if allocs != 0 {
		t.Fatalf("posting and handling a message allocates %v times", allocs)
	}
	if got := m.Processed(); got != 1001+1 {
		t.Fatalf("processed = %d, want %d", got, 1001+1)
	}
}
