package inspect

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// maxConcurrentAsks bounds how many Describe requests a Tree walk has in
// flight, so a tree of twenty thousand peers does not spawn twenty thousand
// askers at once.
const maxConcurrentAsks = 256

// Node is one actor in a described tree, shaped for JSON.
type Node struct {
	// Path is the actor's PID.Id, e.g. "node/connmgr/peer-7".
	Path string `json:"path"`
	// Parent is the Path of the actor that listed it ("" for the top).
	Parent string `json:"parent,omitempty"`
	// Kind is the actor's Description.Kind ("peer", "io", ...).
	Kind string `json:"kind,omitempty"`
	// Summary is the actor's Description.Summary.
	Summary map[string]any `json:"summary,omitempty"`
	// Children are the described children, sorted by Path.
	Children []Node `json:"children,omitempty"`
	// Unresponsive is set when the actor did not describe itself before the
	// deadline (busy, stopped, or not handling Describe).
	Unresponsive bool `json:"unresponsive,omitempty"`
	// Stats are the actor's mailbox counters (TreeWithStats), nil when
	// unknown; their fields are flattened into the JSON object.
	*Stats
}

// StatsFunc returns an actor's mailbox counters, false when it has none;
// (*Counters).Stats is one.
type StatsFunc func(pid *actor.PID) (Stats, bool)

// Tree describes top and, concurrently, every descendant it reports, all
// within timeout from the call. An actor that does not answer in time is a
// Node with Unresponsive set and no children. Each actor is visited once, even
// if two parents list it.
func Tree(root *actor.RootContext, top *actor.PID, timeout time.Duration) Node {
	return TreeWithStats(root, top, timeout, nil)
}

// TreeWithStats is Tree with each actor's mailbox counters added from stats
// (nil: none). The counters are read when the actor has answered, so an
// unresponsive actor still shows its mailbox length.
func TreeWithStats(root *actor.RootContext, top *actor.PID, timeout time.Duration, stats StatsFunc) Node {
	w := &walker{
		stats:    stats,
		root:     root,
		deadline: time.Now().Add(timeout),
		slots:    make(chan struct{}, maxConcurrentAsks),
		seen:     make(map[string]bool),
	}
	w.seen[top.String()] = true
	return w.describe(top, "")
}

type walker struct {
	stats    StatsFunc
	root     *actor.RootContext
	deadline time.Time
	slots    chan struct{}

	mu   sync.Mutex
	seen map[string]bool // PID.String() of every actor already walked
}

func (w *walker) describe(pid *actor.PID, parent string) Node {
	n := Node{Path: pid.Id, Parent: parent}
	d, err := w.query(pid)
	if w.stats != nil {
		if s, ok := w.stats(pid); ok {
			n.Stats = &s
		}
	}
	if err != nil {
		n.Unresponsive = true
		return n
	}
	n.Kind, n.Summary = d.Kind, d.Summary

	var children []*actor.PID
	w.mu.Lock()
	for _, c := range d.Children {
		if c != nil && !w.seen[c.String()] {
			w.seen[c.String()] = true
			children = append(children, c)
		}
	}
	w.mu.Unlock()
	if len(children) == 0 {
		return n
	}
	n.Children = make([]Node, len(children))
	var wg sync.WaitGroup
	for i, c := range children {
		wg.Go(func() { n.Children[i] = w.describe(c, n.Path) })
	}
	wg.Wait()
	slices.SortFunc(n.Children, func(a, b Node) int { return cmp.Compare(a.Path, b.Path) })
	return n
}

// query asks one actor under the walk's deadline, holding one of the slots
// while it waits.
func (w *walker) query(pid *actor.PID) (*Description, error) {
	left := time.Until(w.deadline)
	if left <= 0 {
		return nil, ErrTimeout
	}
	select {
	case w.slots <- struct{}{}:
	case <-time.After(left):
		return nil, ErrTimeout
	}
	defer func() { <-w.slots }()
	left = time.Until(w.deadline)
	if left <= 0 {
		return nil, ErrTimeout
	}
	return Query(w.root, pid, left)
}
