package inspect

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// waitFor polls cond every 5 ms until it holds or two seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCountersCountMessagesRestartsAndForgetStoppedActors(t *testing.T) {
	system := newSystem(t)
	counters := NewCounters()
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		if ctx.Message() == "boom" {
			panic("boom")
		}
	}, actor.WithMailbox(counters.Mailbox()))
	pid, err := system.Root.SpawnNamed(props, "counted")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		system.Root.Send(pid, "hello")
	}
	waitFor(t, "three messages processed", func() bool {
		s, ok := counters.Stats(pid)
		return ok && s.Processed == 3 && s.MailboxLen == 0
	})
	system.Root.Send(pid, "boom")
	waitFor(t, "one restart", func() bool {
		s, _ := counters.Stats(pid)
		return s.Restarts == 1 && s.Processed == 4
	})

	var paths []string
	counters.Each(func(path string, s Stats) { paths = append(paths, path) })
	if len(paths) != 1 || paths[0] != "counted" {
		t.Fatalf("Each visited %v, want [counted]", paths)
	}

	tree := TreeWithStats(system.Root, pid, time.Second, counters.Stats)
	if tree.Stats == nil || tree.Stats.Processed < 4 {
		t.Fatalf("tree node stats = %+v, want processed >= 4", tree.Stats)
	}

	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "stopped actor forgotten", func() bool {
		_, ok := counters.Stats(pid)
		return !ok
	})
}

func TestTreeWithStatsSetsParents(t *testing.T) {
	system := newSystem(t)
	top := spawn(t, system, spec{name: "top", kind: "root", children: []spec{{name: "a", kind: "leaf"}}})
	tree := TreeWithStats(system.Root, top, time.Second, nil)
	if len(tree.Children) != 1 || tree.Children[0].Parent != tree.Path || tree.Parent != "" {
		t.Fatalf("tree = %+v, want one child whose parent is %q", tree, tree.Path)
	}
}

func TestCountersForgetAnActorWhenItStops(t *testing.T) {
	system := newSystem(t)
	counters := NewCounters()
	props := actor.PropsFromFunc(func(actor.Context) {}, actor.WithMailbox(counters.Mailbox()))
	const n = 10 // far fewer than pruneEvery: no sweep runs
	for range n {
		pid := system.Root.Spawn(props)
		if err := system.Root.StopFuture(pid).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every stopped actor's entry gone", func() bool {
		counters.mu.Lock()
		defer counters.mu.Unlock()
		return len(counters.byID) == 0
	})
}
