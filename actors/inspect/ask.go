package inspect

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/transport"
)

// ErrTimeout is returned by Ask when no reply arrived in time.
var ErrTimeout = errors.New("no reply")

// Ask sends pid the request build makes and returns the first message sent
// back, or an error wrapping ErrTimeout after timeout. build receives the
// PID to reply to (put it in the request's ReplyTo field); it runs on the
// asking actor's goroutine, so it should only build a value.
//
// Ask spawns a one-shot actor that sends the request with itself as ReplyTo,
// passes the first reply back through a channel and stops. It does not use
// protoactor futures.
func Ask(root *actor.RootContext, pid *actor.PID, build func(replyTo *actor.PID) any, timeout time.Duration) (any, error) {
	if pid == nil {
		return nil, errors.New("ask: nil PID")
	}
	replies := make(chan any, 1)
	asker := root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			ctx.Send(pid, build(ctx.Self()))
		case *actor.Stopping, *actor.Stopped, *actor.Restarting:
		default:
			select {
			case replies <- msg:
				ctx.Stop(ctx.Self())
			default: // a second reply: the first one is what counts
			}
		}
	}))
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case reply := <-replies:
		return reply, nil
	case <-timer.C:
		root.Stop(asker)
		return nil, fmt.Errorf("ask %s: %w within %v", pid.Id, ErrTimeout, timeout)
	}
}

// Query asks pid to describe itself and returns its *Description.
func Query(root *actor.RootContext, pid *actor.PID, timeout time.Duration) (*Description, error) {
	reply, err := Ask(root, pid, func(replyTo *actor.PID) any { return &Describe{ReplyTo: replyTo} }, timeout)
	if err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	if s, ok := reply.(*transport.Stats); ok {
		return &Description{Self: pid, Kind: "io", Summary: s.Summary()}, nil
	}
	d, ok := reply.(*Description)
	if !ok {
		return nil, fmt.Errorf("describe %s: answered with %T, want *inspect.Description", pid.Id, reply)
	}
	return d, nil
}
