package actortest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
)

type ping struct{ n int }
type pong struct{ n int }

func TestProbeExpectOutOfOrder(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	system.Root.Send(p.PID(), &ping{n: 1})
	system.Root.Send(p.PID(), &pong{n: 2})
	system.Root.Send(p.PID(), &ping{n: 3})

	if got := actortest.Expect[*pong](t, p, time.Second); got.n != 2 {
		t.Fatalf("pong %d, want 2", got.n)
	}
	if got := actortest.Expect[*ping](t, p, time.Second); got.n != 1 {
		t.Fatalf("first ping %d, want 1 (oldest first)", got.n)
	}
	if got := p.ExpectAny(t, time.Second).(*ping); got.n != 3 {
		t.Fatalf("ExpectAny %d, want 3", got.n)
	}
	if n := len(p.Received()); n != 3 {
		t.Fatalf("Received has %d messages, want 3", n)
	}
	if n := len(p.Pending()); n != 0 {
		t.Fatalf("Pending has %d messages, want 0", n)
	}
}

func TestProbeExpectMatch(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	for i := range 5 {
		system.Root.Send(p.PID(), &ping{n: i})
	}
	got := actortest.ExpectMatch(t, p, time.Second, func(m *ping) bool { return m.n == 3 })
	if got.n != 3 {
		t.Fatalf("matched %d, want 3", got.n)
	}
	if n := len(p.Pending()); n != 4 {
		t.Fatalf("%d pending, want 4", n)
	}
}

func TestProbeExpectTimeoutReportsWhatArrived(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	system.Root.Send(p.PID(), &ping{n: 7})
	actortest.Expect[*ping](t, p, time.Second) // consumed
	system.Root.Send(p.PID(), &ping{n: 8})

	fake := newFakeTB(t)
	start := time.Now()
	msg := fake.run(func() { actortest.Expect[*pong](fake, p, 50*time.Millisecond) })
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the 50ms timeout", elapsed)
	}
	for _, want := range []string{"no matching *actortest_test.pong within 50ms", "1 pending instead", "*actortest_test.ping &{n:8}", "1 consumed earlier"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message %q does not contain %q", msg, want)
		}
	}
	if n := len(p.Pending()); n != 1 {
		t.Errorf("%d pending after the failed Expect, want 1 (nothing consumed)", n)
	}
}

func TestProbeExpectAnyTimeout(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	fake := newFakeTB(t)
	msg := fake.run(func() { p.ExpectAny(fake, 10*time.Millisecond) })
	if !strings.Contains(msg, "no message within 10ms") {
		t.Errorf("failure message %q", msg)
	}
}

func TestProbeExpectNone(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	system.Root.Send(p.PID(), &ping{n: 1})
	actortest.ExpectNone[*pong](t, p, 20*time.Millisecond)

	fake := newFakeTB(t)
	msg := fake.run(func() { actortest.ExpectNone[*ping](fake, p, time.Minute) })
	if !strings.Contains(msg, "expected no *actortest_test.ping") {
		t.Errorf("failure message %q", msg)
	}

	// A message arriving during the wait fails it at once.
	time.AfterFunc(10*time.Millisecond, func() { system.Root.Send(p.PID(), &pong{n: 2}) })
	start := time.Now()
	fake = newFakeTB(t)
	msg = fake.run(func() { actortest.ExpectNone[*pong](fake, p, time.Minute) })
	if !strings.Contains(msg, "&{n:2}") {
		t.Errorf("failure message %q", msg)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("took %v to notice", elapsed)
	}
}

// child sends its parent a greeting, then stops.
type child struct{}

func (child) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		ctx.Send(ctx.Parent(), &ping{n: 42})
		ctx.Stop(ctx.Self())
	}
}

// echo answers every *ping with a *pong to the sender.
type echo struct{}

func (echo) Receive(ctx actor.Context) {
	if m, ok := ctx.Message().(*ping); ok {
		ctx.Respond(&pong{n: m.n})
	}
}

func TestProbeSpawnWatchRequest(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)

	kid := p.Spawn(actor.PropsFromProducer(func() actor.Actor { return child{} }))
	if got := actortest.Expect[*ping](t, p, time.Second); got.n != 42 {
		t.Fatalf("child said %d, want 42", got.n)
	}
	if got := actortest.Expect[*actor.Terminated](t, p, time.Second); !got.Who.Equal(kid) {
		t.Fatalf("terminated %v, want the child %v", got.Who, kid)
	}

	e := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return echo{} }))
	p.Watch(e)
	p.Request(e, &ping{n: 5})
	if got := actortest.Expect[*pong](t, p, time.Second); got.n != 5 {
		t.Fatalf("echo answered %d, want 5", got.n)
	}
	system.Root.Stop(e)
	if got := actortest.Expect[*actor.Terminated](t, p, time.Second); !got.Who.Equal(e) {
		t.Fatalf("terminated %v, want %v", got.Who, e)
	}
}

func TestProbeStopIsIdempotent(t *testing.T) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	p.Stop()
	p.Stop()
}
