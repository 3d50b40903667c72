package dispatcher

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/inspect"
)

// maxCommandKeys bounds the per-command counters: a peer may send any
// number of made-up commands, and each must not grow our memory.
const maxCommandKeys = 256

// otherCommand is the key that counts commands beyond maxCommandKeys, named
// like Core's getpeerinfo bucket for unknown messages.
const otherCommand = "*other*"

// handlerRestarts and handlerRestartWindow bound how often a crashing
// handler child is restarted before it is stopped for good.
const (
	handlerRestarts      = 10
	handlerRestartWindow = time.Minute
)

// Option configures the dispatcher.
type Option func(*options)

type options struct {
	logger *zap.Logger
	routes *Routes
}

// WithRoutes makes the dispatcher keep r up to date with the commands that
// have handlers, for peers to read (default: none kept).
func WithRoutes(r *Routes) Option {
	return func(o *options) { o.routes = r }
}

// WithLogger sets the dispatcher's logger (default: none).
func WithLogger(l *zap.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// Props returns the dispatcher actor's props. Spawned handlers that panic
// are restarted, at most 10 times a minute, then stopped.
func Props(opts ...Option) *actor.Props {
	o := options{logger: zap.NewNop()}
	for _, opt := range opts {
		opt(&o)
	}
	logger, routes := o.logger, o.routes
	decider := func(reason any) actor.Directive {
		logger.Error("handler crashed", zap.Any("reason", reason))
		return actor.RestartDirective
	}
	return actor.PropsFromProducer(func() actor.Actor {
		routes.publish(nil) // a new incarnation starts with no handlers
		return &dispatcher{
			log:       logger,
			routes:    routes,
			handlers:  make(map[string][]*actor.PID),
			watched:   make(map[string]*actor.PID),
			unhandled: make(map[string]uint64),
			unknown:   make(map[string]uint64),
		}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(handlerRestarts, handlerRestartWindow, decider)))
}

// dispatcher is the actor. Only its Receive touches its fields.
type dispatcher struct {
	log    *zap.Logger
	routes *Routes
	// handlers lists, per command, the handlers in registration order.
	handlers map[string][]*actor.PID
	// watched holds every registered handler by PID.String().
	watched map[string]*actor.PID

	delivered uint64
	unhandled map[string]uint64
	// unknown counts message types the dispatcher does not accept.
	unknown map[string]uint64
}

// Receive handles one message.
func (d *dispatcher) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *Deliver:
		d.deliver(ctx, msg)
	case *Register:
		d.register(ctx, msg.Command, msg.Handler)
	case *Unregister:
		d.unregister(ctx, msg.Command, msg.Handler)
	case *Spawn:
		d.spawn(ctx, msg)
	case *actor.Terminated:
		d.terminated(msg)
	case *GetStats:
		d.getStats(ctx, msg)
	case *inspect.Describe:
		d.describe(ctx, msg)
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		d.unexpected(msg)
	}
}

func (d *dispatcher) deliver(ctx actor.Context, msg *Deliver) {
	if msg.Msg == nil {
		d.unexpected(msg)
		msg.Done(ctx)
		return
	}
	cmd := msg.Msg.Command()
	hs := d.handlers[cmd]
	if len(hs) == 0 {
		// Peers that read Routes forward only what has a handler: this
		// one came before a handler left, or from a peer without Routes.
		countCommand(d.unhandled, cmd)
		d.log.Debug("unhandled message", zap.String("command", cmd), zap.Uint64("peer", msg.From.ID))
		msg.Done(ctx)
		return
	}
	msg.pending.Store(int32(len(hs)))
	for _, h := range hs {
		ctx.Send(h, msg)
	}
	d.delivered++
}

func (d *dispatcher) register(ctx actor.Context, cmd string, h *actor.PID) {
	if h == nil || cmd == "" {
		d.log.Debug("ignoring registration without handler or command", zap.String("command", cmd))
		return
	}
	if slices.ContainsFunc(d.handlers[cmd], h.Equal) {
		return
	}
	d.handlers[cmd] = append(d.handlers[cmd], h)
	d.routes.publish(d.handlers)
	key := h.String()
	if _, ok := d.watched[key]; !ok {
		d.watched[key] = h
		ctx.Watch(h)
	}
	d.log.Debug("handler registered", zap.String("command", cmd), zap.String("handler", h.Id))
}

// unregister removes h from cmd, or from every command when cmd is "".
func (d *dispatcher) unregister(ctx actor.Context, cmd string, h *actor.PID) {
	if h == nil {
		return
	}
	if cmd == "" {
		d.forget(h)
	} else {
		d.remove(cmd, h)
	}
	if !d.registeredAnywhere(h) {
		if w, ok := d.watched[h.String()]; ok {
			delete(d.watched, h.String())
			ctx.Unwatch(w)
		}
	}
}

func (d *dispatcher) spawn(ctx actor.Context, msg *Spawn) {
	reply := func(pid *actor.PID, err error) {
		if msg.ReplyTo != nil {
			ctx.Send(msg.ReplyTo, &Spawned{Name: msg.Name, PID: pid, Err: err})
		}
	}
	if msg.Props == nil {
		reply(nil, errors.New("spawn handler: nil props"))
		return
	}
	var (
		pid *actor.PID
		err error
	)
	if msg.Name == "" {
		pid = ctx.Spawn(msg.Props)
	} else {
		pid, err = ctx.SpawnNamed(msg.Props, msg.Name)
	}
	if err != nil {
		d.log.Warn("spawning handler failed", zap.String("name", msg.Name), zap.Error(err))
		reply(nil, fmt.Errorf("spawn handler %q: %w", msg.Name, err))
		return
	}
	for _, cmd := range msg.Commands {
		d.register(ctx, cmd, pid)
	}
	reply(pid, nil)
}

func (d *dispatcher) terminated(msg *actor.Terminated) {
	if msg.Who == nil {
		return
	}
	if _, ok := d.watched[msg.Who.String()]; !ok {
		return
	}
	delete(d.watched, msg.Who.String())
	d.forget(msg.Who)
	d.log.Debug("handler terminated", zap.String("handler", msg.Who.Id))
}

func (d *dispatcher) getStats(ctx actor.Context, msg *GetStats) {
	if msg.ReplyTo == nil {
		return
	}
	ctx.Send(msg.ReplyTo, &Stats{
		Delivered: d.delivered,
		Unhandled: maps.Clone(d.unhandled),
		Handlers:  d.handlerCounts(),
	})
}

func (d *dispatcher) describe(ctx actor.Context, msg *inspect.Describe) {
	if msg.ReplyTo == nil {
		return
	}
	var unhandled uint64
	for _, n := range d.unhandled {
		unhandled += n
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self:     ctx.Self(),
		Kind:     "dispatcher",
		Children: ctx.Children(),
		Summary: map[string]any{
			"handlers":  d.handlerCounts(),
			"delivered": d.delivered,
			"unhandled": unhandled,
		},
	})
}

func (d *dispatcher) unexpected(msg any) {
	name := fmt.Sprintf("%T", msg)
	countCommand(d.unknown, name)
	d.log.Debug("unexpected message", zap.String("type", name))
}

func (d *dispatcher) handlerCounts() map[string]int {
	counts := make(map[string]int, len(d.handlers))
	for cmd, hs := range d.handlers {
		counts[cmd] = len(hs)
	}
	return counts
}

// forget removes h from every command.
func (d *dispatcher) forget(h *actor.PID) {
	for cmd := range d.handlers {
		d.remove(cmd, h)
	}
}

func (d *dispatcher) remove(cmd string, h *actor.PID) {
	hs := slices.DeleteFunc(d.handlers[cmd], h.Equal)
	if len(hs) == 0 {
		delete(d.handlers, cmd)
		d.routes.publish(d.handlers)
		return
	}
	d.handlers[cmd] = hs
}

func (d *dispatcher) registeredAnywhere(h *actor.PID) bool {
	for _, hs := range d.handlers {
		if slices.ContainsFunc(hs, h.Equal) {
			return true
		}
	}
	return false
}

// countCommand adds one to counts[key], folding keys beyond maxCommandKeys
// into otherCommand.
func countCommand(counts map[string]uint64, key string) {
	if _, ok := counts[key]; !ok && len(counts) >= maxCommandKeys {
		key = otherCommand
	}
	counts[key]++
}
