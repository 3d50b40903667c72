package dispatcher

import (
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/protocol"
)

func TestMain(m *testing.M) { actortest.VerifyNoLeaks(m) }

const wait = 5 * time.Second

func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

// probe is an actor that passes every non-lifecycle message to a channel.
type probe struct {
	pid *actor.PID
	ch  chan any
}

func newProbe(t *testing.T, system *actor.ActorSystem) *probe {
	t.Helper()
	p := &probe{ch: make(chan any, 100)}
	p.pid = system.Root.Spawn(actor.PropsFromFunc(p.receive))
	t.Cleanup(func() { _ = system.Root.StopFuture(p.pid).Wait() })
	return p
}

func (p *probe) receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		p.ch <- ctx.Message()
	}
}

func expect[T any](t *testing.T, p *probe) T {
	t.Helper()
	select {
	case msg := <-p.ch:
		v, ok := msg.(T)
		if !ok {
			var zero T
			t.Fatalf("probe got %T, want %T", msg, zero)
		}
		return v
	case <-time.After(wait):
		var zero T
		t.Fatalf("probe: no %T within %v", zero, wait)
		return zero
	}
}

func expectNone(t *testing.T, p *probe) {
	t.Helper()
	select {
	case msg := <-p.ch:
		t.Fatalf("probe got unexpected %T", msg)
	default:
	}
}

// stats asks for the dispatcher's stats through a probe. Since the
// dispatcher handles its mailbox in order, the answer also proves every
// earlier message was handled.
func stats(t *testing.T, system *actor.ActorSystem, d *actor.PID, p *probe) *Stats {
	t.Helper()
	system.Root.Send(d, &GetStats{ReplyTo: p.pid})
	return expect[*Stats](t, p)
}

func deliver(cmd string) *Deliver {
	return &Deliver{From: Sender{ID: 1}, Msg: &protocol.MsgRaw{Cmd: cmd}}
}

func newDispatcher(t *testing.T, system *actor.ActorSystem) *actor.PID {
	t.Helper()
	d := system.Root.Spawn(Props(WithLogger(zaptest.NewLogger(t))))
	t.Cleanup(func() { _ = system.Root.StopFuture(d).Wait() })
	return d
}

func TestDeliverToEveryHandler(t *testing.T) {
	system := newSystem(t)
	d := newDispatcher(t, system)
	a, b, me := newProbe(t, system), newProbe(t, system), newProbe(t, system)
	system.Root.Send(d, &Register{Command: "inv", Handler: a.pid})
	system.Root.Send(d, &Register{Command: "inv", Handler: b.pid})
	system.Root.Send(d, &Register{Command: "inv", Handler: b.pid}) // twice: once
	system.Root.Send(d, &Register{Command: "addr", Handler: b.pid})

	inv := &Deliver{From: Sender{ID: 7}, Msg: &protocol.MsgInv{}}
	system.Root.Send(d, inv)
	if got := expect[*Deliver](t, a); got != inv {
		t.Fatal("handler a got another value")
	}
	if got := expect[*Deliver](t, b); got != inv {
		t.Fatal("handler b got another value")
	}
	system.Root.Send(d, deliver("addr"))
	if got := expect[*Deliver](t, b); got.Msg.Command() != "addr" {
		t.Fatalf("b got %q", got.Msg.Command())
	}
	s := stats(t, system, d, me)
	expectNone(t, a)
	expectNone(t, b)
	if s.Delivered != 2 || s.Handlers["inv"] != 2 || s.Handlers["addr"] != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestUnhandledCounted(t *testing.T) {
	system := newSystem(t)
	d := newDispatcher(t, system)
	me := newProbe(t, system)
	system.Root.Send(d, deliver("tx"))
	system.Root.Send(d, deliver("tx"))
	system.Root.Send(d, deliver("block"))
	s := stats(t, system, d, me)
	if s.Delivered != 0 || s.Unhandled["tx"] != 2 || s.Unhandled["block"] != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestUnhandledKeysBounded(t *testing.T) {
	counts := map[string]uint64{}
	for i := range maxCommandKeys + 10 {
		countCommand(counts, fmt.Sprintf("cmd%d", i))
	}
	if len(counts) != maxCommandKeys+1 || counts[otherCommand] != 10 {
		t.Fatalf("%d keys, other = %d", len(counts), counts[otherCommand])
	}
}

func TestUnregister(t *testing.T) {
	system := newSystem(t)
	d := newDispatcher(t, system)
	h, me := newProbe(t, system), newProbe(t, system)
	for _, cmd := range []string{"inv", "addr", "headers"} {
		system.Root.Send(d, &Register{Command: cmd, Handler: h.pid})
	}
	system.Root.Send(d, &Unregister{Command: "inv", Handler: h.pid})
	system.Root.Send(d, deliver("inv"))
	if s := stats(t, system, d, me); s.Handlers["inv"] != 0 || s.Handlers["addr"] != 1 || s.Unhandled["inv"] != 1 {
		t.Fatalf("stats = %+v", s)
	}
	system.Root.Send(d, &Unregister{Handler: h.pid})
	if s := stats(t, system, d, me); len(s.Handlers) != 0 {
		t.Fatalf("handlers left: %v", s.Handlers)
	}
	expectNone(t, h)
}

func TestTerminatedHandlerForgotten(t *testing.T) {
	system := newSystem(t)
	d := newDispatcher(t, system)
	me := newProbe(t, system)
	h := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	system.Root.Send(d, &Register{Command: "inv", Handler: h})
	if s := stats(t, system, d, me); s.Handlers["inv"] != 1 {
		t.Fatalf("stats = %+v", s)
	}
	if err := system.Root.StopFuture(h).Wait(); err != nil {
		t.Fatal(err)
	}
	actortest.Eventually(t, wait, "the terminated handler unregistered", func() bool {
		return stats(t, system, d, me).Handlers["inv"] == 0
	})
}

func TestSpawnHandlerAsChild(t *testing.T) {
	system := newSystem(t)
	d, err := system.Root.SpawnNamed(Props(), "dispatcher")
	if err != nil {
		t.Fatal(err)
	}
	me, sink := newProbe(t, system), newProbe(t, system)
	forward := actor.PropsFromFunc(func(ctx actor.Context) {
		if msg, ok := ctx.Message().(*Deliver); ok {
			ctx.Send(sink.pid, msg)
		}
	})
	system.Root.Send(d, &Spawn{Name: "inventory", Props: forward, Commands: []string{"inv", "getdata"}, ReplyTo: me.pid})
	sp := expect[*Spawned](t, me)
	if sp.Err != nil || sp.PID.Id != "dispatcher/inventory" {
		t.Fatalf("spawned = %+v", sp)
	}
	system.Root.Send(d, deliver("getdata"))
	if got := expect[*Deliver](t, sink); got.Msg.Command() != "getdata" {
		t.Fatalf("got %q", got.Msg.Command())
	}

	system.Root.Send(d, &inspect.Describe{ReplyTo: me.pid})
	desc := expect[*inspect.Description](t, me)
	if desc.Kind != "dispatcher" || len(desc.Children) != 1 || !desc.Children[0].Equal(sp.PID) {
		t.Fatalf("description = %+v", desc)
	}

	// A second handler under the same name fails.
	system.Root.Send(d, &Spawn{Name: "inventory", Props: forward, ReplyTo: me.pid})
	if sp2 := expect[*Spawned](t, me); sp2.Err == nil {
		t.Fatal("duplicate name accepted")
	}
	system.Root.Send(d, &Spawn{Name: "nil", ReplyTo: me.pid})
	if sp3 := expect[*Spawned](t, me); sp3.Err == nil {
		t.Fatal("nil props accepted")
	}

	// Stopping the dispatcher stops its handlers.
	if err := system.Root.StopFuture(d).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, ok := system.ProcessRegistry.GetLocal(sp.PID.Id); ok {
		t.Fatal("handler outlived the dispatcher")
	}
}

func TestCrashingHandlerRestarted(t *testing.T) {
	system := newSystem(t)
	d := newDispatcher(t, system)
	me, sink := newProbe(t, system), newProbe(t, system)
	crashy := actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Restarting:
			ctx.Send(sink.pid, "restarting")
		case *Deliver:
			if msg.Msg.Command() == "boom" {
				panic("boom")
			}
			ctx.Send(sink.pid, msg)
		}
	})
	system.Root.Send(d, &Spawn{Name: "crashy", Props: crashy, Commands: []string{"boom", "ok"}, ReplyTo: me.pid})
	expect[*Spawned](t, me)
	system.Root.Send(d, deliver("boom"))
	if s := expect[string](t, sink); s != "restarting" {
		t.Fatalf("got %q", s)
	}
	system.Root.Send(d, deliver("ok"))
	expect[*Deliver](t, sink)
}
