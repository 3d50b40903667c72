package actortest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// stopWait bounds how long Probe.Stop and the cleanup of doubles wait for an
// actor to stop, so a wedged actor fails the test instead of hanging it.
const stopWait = 5 * time.Second

// Probe is an actor that records every message it receives, for tests to
// assert on with deadline-bound expectations (Expect, ExpectMatch,
// ExpectNone, Probe.ExpectAny).
//
// It records every user message and *actor.Terminated (of the actors it
// watches or spawned), in arrival order; lifecycle messages (*actor.Started,
// *actor.Stopping, *actor.Stopped, *actor.Restarting) are not recorded.
//
// An expectation consumes the oldest recorded message that satisfies it and
// leaves the others pending, in order, for later expectations: messages can
// be expected out of order and none is skipped silently. Received returns
// the full record, consumed or not.
//
// A Probe is safe for concurrent use. It never uses protoactor futures, whose
// Result races with Respond under -race in this protoactor version.
type Probe struct {
	t       TB
	system  *actor.ActorSystem
	pid     *actor.PID
	box     *inbox
	stopped chan struct{}
}

// NewProbe spawns a Probe in system and stops it when the test ends
// (t.Cleanup), after the actors it spawned.
func NewProbe(t TB, system *actor.ActorSystem) *Probe {
	t.Helper()
	p := &Probe{
		t:       t,
		system:  system,
		box:     newInbox(),
		stopped: make(chan struct{}),
	}
	props := actor.PropsFromProducer(func() actor.Actor { return &probeActor{p: p} })
	p.pid = system.Root.Spawn(props)
	t.Cleanup(p.Stop)
	return p
}

// PID is the probe's address: give it to the actor under test as a parent,
// owner, reply-to or subscriber.
func (p *Probe) PID() *actor.PID { return p.pid }

// Received returns a snapshot of every message the probe recorded, oldest
// first, including those expectations have consumed.
func (p *Probe) Received() []any {
	_, all := p.box.snapshot()
	return all
}

// Pending returns a snapshot of the recorded messages no expectation has
// consumed yet, oldest first.
func (p *Probe) Pending() []any {
	pending, _ := p.box.snapshot()
	return pending
}

// ExpectAny consumes and returns the oldest pending message, waiting up to
// timeout for one to arrive; it fails the test if none does.
func (p *Probe) ExpectAny(t TB, timeout time.Duration) any {
	t.Helper()
	v, ok := p.box.take(func(any) bool { return true }, timeout)
	if !ok {
		t.Fatalf("actortest: probe %s: no message within %v", p.pid.Id, timeout)
		return nil
	}
	return v
}

// Expect consumes and returns the oldest pending message of type T, waiting
// up to timeout for one to arrive. Messages of other types stay pending, in
// order. If none arrives in time it fails the test (t.Fatalf) with what the
// probe holds instead. T may be an interface type: the first message that
// implements it matches.
func Expect[T any](t TB, p *Probe, timeout time.Duration) T {
	t.Helper()
	return ExpectMatch(t, p, timeout, func(T) bool { return true })
}

// ExpectMatch is Expect for the oldest pending message of type T that match
// accepts. match runs on the test goroutine, under the probe's lock: it must
// not call the probe.
func ExpectMatch[T any](t TB, p *Probe, timeout time.Duration, match func(T) bool) T {
	t.Helper()
	v, ok := p.box.take(func(m any) bool {
		typed, ok := m.(T)
		return ok && match(typed)
	}, timeout)
	if !ok {
		t.Fatalf("actortest: probe %s: no matching %s within %v; %s",
			p.pid.Id, typeName[T](), timeout, p.box.describe())
		var zero T
		return zero
	}
	return v.(T)
}

// ExpectNone asserts that no message of type T is pending during d: it
// waits d and fails the test as soon as one is, including one that arrived
// before the call and was not consumed. It consumes nothing.
func ExpectNone[T any](t TB, p *Probe, d time.Duration) {
	t.Helper()
	v, found := p.box.waitNone(func(m any) bool {
		_, ok := m.(T)
		return ok
	}, d)
	if found {
		t.Fatalf("actortest: probe %s: expected no %s for %v, got %s",
			p.pid.Id, typeName[T](), d, describeValue(v))
	}
}

// Watch makes the probe watch pid: when pid stops, the probe records its
// *actor.Terminated (expect it with Expect[*actor.Terminated]).
func (p *Probe) Watch(pid *actor.PID) {
	p.system.Root.Send(p.pid, &probeWatch{pid: pid})
}

// Spawn spawns props as a child of the probe and returns its PID. Messages
// the child sends its parent (ctx.Parent()) are recorded by the probe, and
// so is the child's *actor.Terminated. It fails the test if the probe does
// not spawn it within a few seconds (the probe has stopped). Call it from the
// test goroutine.
func (p *Probe) Spawn(props *actor.Props) *actor.PID {
	p.t.Helper()
	reply := make(chan *actor.PID, 1)
	p.system.Root.Send(p.pid, &probeSpawn{props: props, reply: reply})
	select {
	case pid := <-reply:
		return pid
	case <-p.stopped:
		p.t.Fatalf("actortest: probe %s: spawn: probe stopped", p.pid.Id)
	case <-time.After(stopWait):
		p.t.Fatalf("actortest: probe %s: spawn: no answer within %v", p.pid.Id, stopWait)
	}
	return nil
}

// Request sends msg to target with the probe as the sender, so that an
// actor that answers ctx.Sender() answers the probe.
func (p *Probe) Request(target *actor.PID, msg any) {
	p.system.Root.Send(p.pid, &probeRequest{target: target, msg: msg})
}

// Stop stops the probe and its children and waits (a few seconds at most)
// until it has stopped. NewProbe registers it with t.Cleanup; calling it
// again is harmless.
func (p *Probe) Stop() {
	select {
	case <-p.stopped:
		return
	default:
	}
	p.system.Root.Stop(p.pid)
	select {
	case <-p.stopped:
	case <-time.After(stopWait):
		p.t.Errorf("actortest: probe %s: not stopped within %v", p.pid.Id, stopWait)
	}
}

// probeWatch, probeSpawn and probeRequest are the probe's own commands,
// sent by its methods and never recorded.
type (
	probeWatch struct{ pid *actor.PID }
	probeSpawn struct {
		props *actor.Props
		reply chan<- *actor.PID
	}
	probeRequest struct {
		target *actor.PID
		msg    any
	}
)

// probeActor is the actor behind a Probe.
type probeActor struct{ p *Probe }

// Receive records user messages and runs the probe's own commands.
func (a *probeActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started, *actor.Stopping, *actor.Restarting:
	case *actor.Stopped:
		close(a.p.stopped)
	case *probeWatch:
		ctx.Watch(msg.pid)
	case *probeSpawn:
		msg.reply <- ctx.Spawn(msg.props)
	case *probeRequest:
		ctx.Request(msg.target, msg.msg)
	default:
		a.p.box.put(msg)
	}
}

// typeName names T for failure messages, interfaces included.
func typeName[T any]() string {
	return reflect.TypeFor[T]().String()
}

// String names the probe in logs and failure messages.
func (p *Probe) String() string { return fmt.Sprintf("probe %s", p.pid.Id) }
