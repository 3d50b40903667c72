package transport

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// waitFor bounds every expectation of these tests.
const waitFor = 5 * time.Second

// newSystem returns an actor system with protoactor's logging muted, shut
// down when the test ends.
func newSystem(t testing.TB) *actor.ActorSystem {
	t.Helper()
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
			return slog.New(slog.DiscardHandler)
		}),
		// Its dead-letter throttle keeps a goroutine per interval: keep it
		// short so goleak sees them end.
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond),
	)
	t.Cleanup(sys.Shutdown)
	return sys
}

// spawnIO spawns an io actor and stops it (waiting) when the test ends.
func spawnIO(t testing.TB, sys *actor.ActorSystem, cfg Config) *actor.PID {
	t.Helper()
	pid := sys.Root.Spawn(Props(cfg))
	t.Cleanup(func() {
		if err := sys.Root.StopFuture(pid).Wait(); err != nil {
			t.Errorf("stop io: %v", err)
		}
	})
	return pid
}

// got is a Received as a probe records it: frames copied, since their
// payloads are io's once acknowledged.
type got struct {
	Conn   ConnID
	Frames []Frame
	Size   int
	rcv    *Received // set when the probe does not acknowledge
}

// probe is a test actor recording what io tells it. With ack set it
// acknowledges every Received at once (after copying it).
type probe struct {
	t    testing.TB
	sys  *actor.ActorSystem
	pid  *actor.PID
	io   *actor.PID
	ack  bool
	mu   sync.Mutex
	msgs []any
	note chan struct{}
}

func newProbe(t testing.TB, sys *actor.ActorSystem, io *actor.PID, ack bool) *probe {
	t.Helper()
	p := &probe{t: t, sys: sys, io: io, ack: ack, note: make(chan struct{}, 1)}
	p.pid = sys.Root.Spawn(actor.PropsFromFunc(p.receive))
	t.Cleanup(func() { sys.Root.StopFuture(p.pid).Wait() })
	return p
}

func (p *probe) receive(ctx actor.Context) {
	var rec any
	switch m := ctx.Message().(type) {
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
		return
	case *Received:
		g := &got{Conn: m.Conn, Size: m.Size}
		for _, f := range m.Frames {
			g.Frames = append(g.Frames, Frame{Command: f.Command, Payload: append([]byte{}, f.Payload...)})
		}
		if p.ack {
			ctx.Send(p.io, &Send{Conn: m.Conn, Ack: m})
		} else {
			g.rcv = m
		}
		rec = g
	default:
		rec = m
	}
	p.mu.Lock()
	p.msgs = append(p.msgs, rec)
	p.mu.Unlock()
	select {
	case p.note <- struct{}{}:
	default:
	}
}

// take removes and returns the oldest recorded message matching ok.
func (p *probe) take(ok func(any) bool) (any, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, m := range p.msgs {
		if ok(m) {
			p.msgs = append(p.msgs[:i], p.msgs[i+1:]...)
			return m, true
		}
	}
	return nil, false
}

// wait waits for a message matching ok, failing the test after waitFor.
func (p *probe) wait(what string, ok func(any) bool) any {
	p.t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		if m, found := p.take(ok); found {
			return m
		}
		select {
		case <-p.note:
		case <-deadline.C:
			p.mu.Lock()
			pending := fmt.Sprintf("%T", p.msgs)
			for _, m := range p.msgs {
				pending += fmt.Sprintf(" %T%+v", m, m)
			}
			p.mu.Unlock()
			p.t.Fatalf("timed out waiting for %s; pending: %s", what, pending)
			return nil
		}
	}
}

// expect waits for the oldest message of type T.
func expect[T any](p *probe) T {
	p.t.Helper()
	var zero T
	m := p.wait(fmt.Sprintf("%T", zero), func(m any) bool { _, ok := m.(T); return ok })
	return m.(T)
}

// expectWhere waits for the oldest message of type T satisfying ok.
func expectWhere[T any](p *probe, ok func(T) bool) T {
	p.t.Helper()
	var zero T
	m := p.wait(fmt.Sprintf("%T", zero), func(m any) bool { v, is := m.(T); return is && ok(v) })
	return m.(T)
}

// has reports whether a message of type T is recorded, without waiting.
func has[T any](p *probe) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.msgs {
		if _, ok := m.(T); ok {
			return true
		}
	}
	return false
}

// stats asks io for its counters through the probe.
func (p *probe) stats() *Stats {
	p.t.Helper()
	p.sys.Root.Send(p.io, &GetStats{ReplyTo: p.pid})
	return expect[*Stats](p)
}
