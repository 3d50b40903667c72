package dispatcher

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// Routes is the set of commands that have at least one handler, kept by
// the dispatcher and read by every peer: a peer decodes and forwards a
// message only when someone will process it, so a command nobody handles
// (tx, while we keep no mempool) costs nothing beyond its frame. Only the
// dispatcher given the Routes (WithRoutes) changes it; readers see an
// immutable snapshot, so Handles is safe for concurrent use and does not
// lock.
type Routes struct {
	set atomic.Pointer[map[string]struct{}]
}

// NewRoutes returns an empty set: nothing is handled until a handler
// registers.
func NewRoutes() *Routes { return new(Routes) }

// Handles reports whether cmd has a handler. A nil Routes handles every
// command (a peer without one forwards everything it decodes).
func (r *Routes) Handles(cmd string) bool {
	if r == nil {
		return true
	}
	set := r.set.Load()
	if set == nil {
		return false
	}
	_, ok := (*set)[cmd]
	return ok
}

// publish replaces the set with the commands of handlers.
func (r *Routes) publish(handlers map[string][]*actor.PID) {
	if r == nil {
		return
	}
	set := make(map[string]struct{}, len(handlers))
	for cmd := range handlers {
		set[cmd] = struct{}{}
	}
	r.set.Store(&set)
}
