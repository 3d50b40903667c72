package node

import (
	"fmt"
	"strings"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
)

// ActorFailure is the failure of an actor of the node's tree (a panic, or
// an actor that stopped on its own), which stopped the node. Stop returns
// it, so the binary exits non-zero.
type ActorFailure struct {
	// Actor is the child of the root that failed: io, connmgr, dispatcher,
	// addrbook or nat. A failure below it (a dispatcher's handler) that it
	// passed up counts as its own.
	Actor string
	// Reason is the panic's value, or why the actor stopped.
	Reason any
}

func (e *ActorFailure) Error() string {
	return fmt.Sprintf("node stopped: actor %s failed: %v", e.Actor, e.Reason)
}

// Failure is the failure that stopped the node, nil if none did.
func (n *Node) Failure() *ActorFailure { return n.failed.Load() }

func (n *Node) failure() error {
	if f := n.failed.Load(); f != nil {
		return f
	}
	return nil
}

// childFailed tells the root that a child failed: it stops the tree.
type childFailed struct{}

// stopOnFailure is the root's supervisor. A restarted io would come back
// without its listeners and sockets, a restarted connmgr without its peer
// table, a restarted dispatcher without the registrations of the handlers,
// and restarting some of them together would still lose what the others
// knew. So a failed child is not restarted: it is resumed (its state as it
// was, the message that failed dropped) and the whole tree is stopped in
// the usual order, so the address book still makes its final save.
type stopOnFailure struct {
	node *Node
}

// HandleFailure runs on the root's goroutine, between its messages.
func (s *stopOnFailure) HandleFailure(_ *actor.ActorSystem, supervisor actor.Supervisor, child *actor.PID,
	_ *actor.RestartStatistics, reason any, message any) {
	s.node.childFailed(childName(child), reason, fmt.Sprintf("%T", message))
	supervisor.ResumeChildren(child)
	if ctx, ok := supervisor.(actor.Context); ok {
		ctx.Send(ctx.Self(), &childFailed{})
	}
}

// childFailed records a failure (the first one is what Stop returns) and
// logs it at Error, once per failure.
func (n *Node) childFailed(name string, reason any, message string) {
	f := &ActorFailure{Actor: name, Reason: reason}
	first := n.failed.CompareAndSwap(nil, f)
	fields := []zap.Field{zap.String("actor", name), zap.String("panic", fmt.Sprint(reason))}
	if message != "" {
		fields = append(fields, zap.String("message", message))
	}
	if first {
		n.logger.Named(CategoryNode).Error("actor failed: stopping the node", fields...)
	} else {
		n.logger.Named(CategoryNode).Error("actor failed while the node stops", fields...)
	}
}

// childName is an actor's name under the root: "node/io" -> "io".
func childName(pid *actor.PID) string {
	if pid == nil {
		return "?"
	}
	id := pid.Id
	if i := strings.IndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return id
}
