package peer

import (
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/internal/timerwheel"
	"github.com/actornode/actornode/actors/metrics"
)

// Option configures a peer actor beyond its Config: the behaviour it is given
// rather than the data it is born with.
type Option func(*options)

type options struct {
	logger     *zap.Logger
	clock      func() time.Time
	dispatcher actor.Dispatcher
	mailbox    actor.MailboxProducer
	rand       func() uint64
	metrics    metrics.Peer
	wheel      *timerwheel.Wheel
}

// buildOptions applies opts to the defaults.
func buildOptions(opts []Option) options {
	o := options{
		logger:  zap.NewNop(),
		clock:   time.Now,
		rand:    rand.Uint64,
		metrics: metrics.NopPeer(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// propsOptions are the props settings the options ask for.
func (o *options) propsOptions() []actor.PropsOption {
	var popts []actor.PropsOption
	if o.dispatcher != nil {
		popts = append(popts, actor.WithDispatcher(o.dispatcher))
	}
	if o.mailbox != nil {
		popts = append(popts, actor.WithMailbox(o.mailbox))
	}
	return popts
}

// WithLogger sets the logger the peer derives its own from (adding peer,
// addr and inbound). Default: none.
func WithLogger(l *zap.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithClock sets the peer's clock (default time.Now). Timers still run on
// real (or synctest) time; the clock is what the state machine sees.
func WithClock(clock func() time.Time) Option {
	return func(o *options) {
		if clock != nil {
			o.clock = clock
		}
	}
}

// WithDispatcher runs the peer's mailbox on d, such as a workpool.Pool shared
// by every peer (default: protoactor's goroutine-per-activation dispatcher).
//
// If d also provides a timer wheel (timerwheel.Provider, as workpool.Pool
// does), the peer's timers go on that wheel unless WithTimerWheel chose
// one: every peer of the dispatcher then shares one wheel.
func WithDispatcher(d actor.Dispatcher) Option {
	return func(o *options) {
		o.dispatcher = d
		if wp, ok := d.(timerwheel.Provider); ok && o.wheel == nil {
			o.wheel = wp.TimerWheel()
		}
	}
}

// WithMailbox gives the peer mailboxes made by mailbox, such as
// inspect.Counters' counted ones (default: protoactor's unbounded mailbox).
func WithMailbox(mailbox actor.MailboxProducer) Option {
	return func(o *options) { o.mailbox = mailbox }
}

// WithTimerWheel puts the peer's timer (handshake timeout, ping interval
// and timeout) on w, shared with other peers, instead of a runtime timer of
// its own (the default). The wheel fires up to one of its ticks late.
func WithTimerWheel(w *timerwheel.Wheel) Option {
	return func(o *options) { o.wheel = w }
}

// WithNonceSource sets where version and ping nonces come from (default
// math/rand/v2's Uint64, safe for concurrent use). It is called from the
// peer's goroutine only.
func WithNonceSource(rand func() uint64) Option {
	return func(o *options) {
		if rand != nil {
			o.rand = rand
		}
	}
}

// WithMetrics makes the peer report frames, batches, handshake times and
// ping times to m (default: nothing).
func WithMetrics(m metrics.Peer) Option {
	return func(o *options) {
		if m != nil {
			o.metrics = m
		}
	}
}
