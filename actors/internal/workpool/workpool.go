package workpool

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/internal/timerwheel"
)

// Defaults.
const (
	// DefaultThroughput is how many messages a mailbox processes before it
	// yields the processor (runtime.Gosched), protoactor's usual 300.
	DefaultThroughput = 300
	// DefaultQueueSize is how many scheduled mailboxes may wait for a
	// worker before Schedule falls back to a goroutine of its own.
	DefaultQueueSize = 4096
)

// Pool is an actor.Dispatcher that runs scheduled mailboxes on a fixed number
// of long-lived goroutines. It is safe for concurrent use. Close it once the
// actors using it have stopped.
type Pool struct {
	throughput int
	queue      chan func()

	// mu guards closed against Schedule's send racing Close's close of
	// queue: Schedule holds it shared while sending.
	mu     sync.RWMutex
	closed bool

	workers sync.WaitGroup
	// wheel is the timer wheel shared by the actors the pool runs.
	wheel *timerwheel.Wheel

	ran      atomic.Uint64
	overflow atomic.Uint64
	panics   atomic.Uint64
}

var (
	_ actor.Dispatcher    = (*Pool)(nil)
	_ timerwheel.Provider = (*Pool)(nil)
)

// Option configures a Pool.
type Option func(*Pool) error

// WithThroughput sets how many messages a mailbox processes between yields
// (default DefaultThroughput). It must be positive.
func WithThroughput(n int) Option {
	return func(p *Pool) error {
		if n <= 0 {
			return fmt.Errorf("workpool: throughput %d: must be positive", n)
		}
		p.throughput = n
		return nil
	}
}

// WithQueueSize sets how many scheduled mailboxes may wait for a worker
// (default DefaultQueueSize). It must be positive.
func WithQueueSize(n int) Option {
	return func(p *Pool) error {
		if n <= 0 {
			return fmt.Errorf("workpool: queue size %d: must be positive", n)
		}
		p.queue = make(chan func(), n)
		return nil
	}
}

// New starts a pool of workers goroutines. workers must be positive.
func New(workers int, opts ...Option) (*Pool, error) {
	if workers <= 0 {
		return nil, fmt.Errorf("workpool: workers %d: must be positive", workers)
	}
	p := &Pool{throughput: DefaultThroughput}
	for _, opt := range opts {
		if err := opt(p); err != nil {
			return nil, err
		}
	}
	if p.queue == nil {
		p.queue = make(chan func(), DefaultQueueSize)
	}
	p.wheel = timerwheel.New(0, 0)
	p.workers.Add(workers)
	for range workers {
		go p.work()
	}
	return p, nil
}

// Schedule runs fn on a worker. It never blocks: with the queue full, or
// after Close, fn runs on a new goroutine instead.
func (p *Pool) Schedule(fn func()) {
	p.mu.RLock()
	if !p.closed {
		select {
		case p.queue <- fn:
			p.mu.RUnlock()
			return
		default:
		}
	}
	p.mu.RUnlock()
	p.overflow.Add(1)
	go p.run(fn)
}

// TimerWheel returns the timer wheel the pool's actors share (the peer
// actor puts its timers on it), stopped by Close. Nil for a nil Pool.
func (p *Pool) TimerWheel() *timerwheel.Wheel {
	if p == nil {
		return nil
	}
	return p.wheel
}

// Throughput is how many messages a mailbox processes between yields.
func (p *Pool) Throughput() int { return p.throughput }

// Close stops accepting work for the workers, lets them finish what is
// queued, waits for them to exit and stops the timer wheel. Later Schedule calls run on goroutines
// of their own. Close must not be called from a function the pool runs (it
// would wait for itself). Calling it again does nothing.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.queue)
	p.mu.Unlock()
	p.workers.Wait()
	p.wheel.Close()
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	// Ran counts functions run by the workers.
	Ran uint64
	// Overflow counts functions run on goroutines of their own because the
	// queue was full or the pool closed.
	Overflow uint64
	// Panics counts functions that panicked (recovered, the worker lives on).
	Panics uint64
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	return Stats{Ran: p.ran.Load(), Overflow: p.overflow.Load(), Panics: p.panics.Load()}
}

func (p *Pool) work() {
	defer p.workers.Done()
	for fn := range p.queue {
		p.run(fn)
		p.ran.Add(1)
	}
}

// run calls fn, recovering a panic so a worker survives it. protoactor's
// mailbox recovers its actors' panics itself; this guards the pool against
// anything else scheduled on it.
func (p *Pool) run(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			p.panics.Add(1)
		}
	}()
	fn()
}
