package workpool

import (
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newPool(t testing.TB, workers int, opts ...Option) *Pool {
	t.Helper()
	p, err := New(workers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// waitChan fails the test if ch is not closed within a few seconds.
func waitChan(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestRunsEverything(t *testing.T) {
	p := newPool(t, 3)
	const n = 1000
	var count atomic.Int64
	done := make(chan struct{})
	for range n {
		p.Schedule(func() {
			if count.Add(1) == n {
				close(done)
			}
		})
	}
	waitChan(t, done, "all functions")
	p.Close()
	if s := p.Stats(); s.Ran+s.Overflow != n {
		t.Fatalf("stats = %+v, want %d runs in all", s, n)
	}
}

func TestConcurrencyBoundedByWorkers(t *testing.T) {
	const workers = 2
	p := newPool(t, workers)
	var active, peak atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	const n = 6
	wg.Add(n)
	started := make(chan struct{}, n)
	for range n {
		p.Schedule(func() {
			defer wg.Done()
			a := active.Add(1)
			for {
				old := peak.Load()
				if a <= old || peak.CompareAndSwap(old, a) {
					break
				}
			}
			started <- struct{}{}
			<-release
			active.Add(-1)
		})
	}
	// Both workers are busy once two functions have started.
	for range workers {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("workers did not start")
		}
	}
	close(release)
	wg.Wait()
	if got := peak.Load(); got > workers {
		t.Fatalf("%d functions ran at once on %d workers", got, workers)
	}
	if s := p.Stats(); s.Overflow != 0 {
		t.Fatalf("overflowed %d times with room in the queue", s.Overflow)
	}
}

func TestFullQueueNeverBlocks(t *testing.T) {
	p := newPool(t, 1, WithQueueSize(1))
	block := make(chan struct{})
	running := make(chan struct{})
	p.Schedule(func() { close(running); <-block })
	waitChan(t, running, "the worker")
	p.Schedule(func() {}) // fills the queue
	ran := make(chan struct{})
	p.Schedule(func() { close(ran) }) // overflows: runs on its own goroutine
	waitChan(t, ran, "the overflowing function")
	close(block)
	if s := p.Stats(); s.Overflow != 1 {
		t.Fatalf("overflow = %d, want 1", s.Overflow)
	}
}

func TestCloseDrainsAndLateScheduleRuns(t *testing.T) {
	p := newPool(t, 1)
	var count atomic.Int64
	for range 100 {
		p.Schedule(func() { count.Add(1) })
	}
	p.Close()
	if got := count.Load(); got != 100 {
		t.Fatalf("ran %d of 100 queued functions before Close returned", got)
	}
	p.Close() // again: no effect
	ran := make(chan struct{})
	p.Schedule(func() { close(ran) })
	waitChan(t, ran, "a function scheduled after Close")
}

func TestPanicDoesNotKillWorker(t *testing.T) {
	p := newPool(t, 1)
	p.Schedule(func() { panic("boom") })
	done := make(chan struct{})
	p.Schedule(func() { close(done) })
	waitChan(t, done, "the function after a panic")
	p.Close()
	if s := p.Stats(); s.Panics != 1 {
		t.Fatalf("panics = %d, want 1", s.Panics)
	}
}

func TestOptionsValidated(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		opts    []Option
	}{
		{name: "zero workers", workers: 0},
		{name: "zero throughput", workers: 1, opts: []Option{WithThroughput(0)}},
		{name: "negative queue", workers: 1, opts: []Option{WithQueueSize(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := New(tt.workers, tt.opts...); err == nil {
				p.Close()
				t.Fatal("no error")
			}
		})
	}
	p := newPool(t, 1, WithThroughput(7))
	if p.Throughput() != 7 {
		t.Fatalf("throughput = %d", p.Throughput())
	}
}

// counter is an actor that counts its int messages into a shared total.
type counter struct {
	total *atomic.Int64
	want  int64
	done  chan struct{}
}

func (c *counter) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(int); ok {
		if c.total.Add(1) == c.want {
			close(c.done)
		}
	}
}

// runActors spawns actors on dispatcher, sends them msgs messages in all and
// waits for every one to arrive.
func runActors(tb testing.TB, dispatcher actor.Dispatcher, actors, msgs int) {
	tb.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	total := &atomic.Int64{}
	done := make(chan struct{})
	props := actor.PropsFromProducer(func() actor.Actor {
		return &counter{total: total, want: int64(msgs), done: done}
	}, actor.WithDispatcher(dispatcher))
	pids := make([]*actor.PID, actors)
	for i := range pids {
		pids[i] = system.Root.Spawn(props)
	}
	for i := range msgs {
		system.Root.Send(pids[i%actors], i)
	}
	if msgs > 0 {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			tb.Fatalf("%d of %d messages arrived", total.Load(), msgs)
		}
	}
	for _, pid := range pids {
		if err := system.Root.StopFuture(pid).Wait(); err != nil {
			tb.Fatalf("stop %v: %v", pid, err)
		}
	}
}

func TestActorsOnPool(t *testing.T) {
	p := newPool(t, 2)
	runActors(t, p, 50, 5000)
	p.Close()
	if s := p.Stats(); s.Ran == 0 {
		t.Fatal("no mailbox ran on the pool")
	}
}

func BenchmarkDispatcher(b *testing.B) {
	for _, bc := range []struct {
		name string
		make func(b *testing.B) actor.Dispatcher
	}{
		{name: "default", make: func(*testing.B) actor.Dispatcher { return actor.NewDefaultDispatcher(DefaultThroughput) }},
		{name: "workpool", make: func(b *testing.B) actor.Dispatcher { return newPool(b, 2) }},
	} {
		for _, actors := range []int{10, 1000} {
			b.Run(bc.name+"/actors="+strconv.Itoa(actors), func(b *testing.B) {
				d := bc.make(b)
				b.ReportAllocs()
				b.ResetTimer()
				runActors(b, d, actors, b.N)
			})
		}
	}
}
