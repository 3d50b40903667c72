package inspect

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The dead-letter log throttle of protoactor ends one interval after the
	// last dead letter, possibly after the last test.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}

func newSystem(t *testing.T) *actor.ActorSystem {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(system.Shutdown)
	return system
}

// spec describes a test actor: its kind, whether it answers Describe, and the
// children it spawns.
type spec struct {
	name     string
	kind     string
	silent   bool
	children []spec
}

type describer struct{ spec spec }

func (d *describer) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		for _, c := range d.spec.children {
			if _, err := ctx.SpawnNamed(props(c), c.name); err != nil {
				panic(err)
			}
		}
	case *Describe:
		if d.spec.silent {
			return
		}
		ctx.Send(msg.ReplyTo, &Description{
			Self:     ctx.Self(),
			Kind:     d.spec.kind,
			Children: ctx.Children(),
			Summary:  map[string]any{"name": d.spec.name},
		})
	case string:
		ctx.Send(ctx.Sender(), msg+"!")
	}
}

func props(s spec) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &describer{spec: s} })
}

func spawn(t *testing.T, system *actor.ActorSystem, s spec) *actor.PID {
	t.Helper()
	pid, err := system.Root.SpawnNamed(props(s), s.name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return pid
}

func TestAskReturnsReply(t *testing.T) {
	system := newSystem(t)
	pid := spawn(t, system, spec{name: "a", kind: "test"})
	reply, err := Ask(system.Root, pid, func(replyTo *actor.PID) any { return &Describe{ReplyTo: replyTo} }, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := reply.(*Description)
	if !ok || d.Kind != "test" || !d.Self.Equal(pid) {
		t.Fatalf("reply = %#v", reply)
	}
}

func TestAskTimesOut(t *testing.T) {
	system := newSystem(t)
	tests := []struct {
		name string
		pid  func() *actor.PID
	}{
		{name: "silent", pid: func() *actor.PID { return spawn(t, system, spec{name: "silent", silent: true}) }},
		{name: "stopped", pid: func() *actor.PID {
			pid := system.Root.Spawn(props(spec{}))
			if err := system.Root.StopFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			return pid
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Query(system.Root, tt.pid(), 50*time.Millisecond)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
		})
	}
}

func TestQueryWrongReply(t *testing.T) {
	system := newSystem(t)
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if msg, ok := ctx.Message().(*Describe); ok {
			ctx.Send(msg.ReplyTo, "not a description")
		}
	}))
	if _, err := Query(system.Root, pid, 5*time.Second); err == nil || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a wrong-type error", err)
	}
}

func TestTree(t *testing.T) {
	system := newSystem(t)
	top := spawn(t, system, spec{name: "node", kind: "node", children: []spec{
		{name: "io", kind: "io"},
		{name: "connmgr", kind: "connmgr", children: []spec{
			{name: "peer-1", kind: "peer"},
			{name: "peer-2", kind: "peer", silent: true},
		}},
	}})

	tree := Tree(system.Root, top, 2*time.Second)

	want := Node{Path: "node", Kind: "node", Summary: map[string]any{"name": "node"}, Children: []Node{
		{Path: "node/connmgr", Parent: "node", Kind: "connmgr", Summary: map[string]any{"name": "connmgr"}, Children: []Node{
			{Path: "node/connmgr/peer-1", Parent: "node/connmgr", Kind: "peer", Summary: map[string]any{"name": "peer-1"}},
			{Path: "node/connmgr/peer-2", Parent: "node/connmgr", Unresponsive: true},
		}},
		{Path: "node/io", Parent: "node", Kind: "io", Summary: map[string]any{"name": "io"}},
	}}
	got, _ := json.Marshal(tree)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Fatalf("tree:\n got %s\nwant %s", got, wantJSON)
	}
}

func TestTreeUnresponsiveTop(t *testing.T) {
	system := newSystem(t)
	top := spawn(t, system, spec{name: "quiet", silent: true})
	tree := Tree(system.Root, top, 20*time.Millisecond)
	if !tree.Unresponsive || tree.Path != "quiet" || tree.Children != nil {
		t.Fatalf("tree = %+v", tree)
	}
}
