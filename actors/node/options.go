package node

import (
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/transport"
)

// Option changes how a node is built: behaviour, not data (data is Config).
type Option func(*options) error

type options struct {
	logger    *zap.Logger
	debug     *DebugCategories
	ioProps   func(transport.Config) *actor.Props
	customIO  bool // ioProps came from WithIO
	peerProps func(peer.Config) *actor.Props
	clock     func() time.Time
	version   string
	// childMiddleware wraps the Receive of every child of the root (tests
	// make them panic with it; see export_test.go).
	childMiddleware []actor.ReceiverMiddleware
	// chainTip, when set, replaces the genesis tip in the initial block
	// download decision (tests give a recent one; see export_test.go).
	chainTip *chain.Tip
	// maxBlockRelay, when set, replaces Core's block-relay-only slot count
	// (tests of other outbound behaviour take none; see export_test.go).
	maxBlockRelay *int
}

// WithLogger makes the node log through l instead of a logger built from
// Config.LogFormat and Config.Debug.
func WithLogger(l *zap.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("node: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithIO replaces the io actor, for example with actortest's in-memory
// network, so several nodes run in one process without sockets.
func WithIO(props func(transport.Config) *actor.Props) Option {
	return func(o *options) error {
		if props == nil {
			return errors.New("node: WithIO: nil constructor")
		}
		o.ioProps = props
		o.customIO = true
		return nil
	}
}

// WithPeerProps replaces the constructor of peer actors.
func WithPeerProps(props func(peer.Config) *actor.Props) Option {
	return func(o *options) error {
		if props == nil {
			return errors.New("node: WithPeerProps: nil constructor")
		}
		o.peerProps = props
		return nil
	}
}

// WithClock gives the node's actors a clock other than time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("node: WithClock: nil clock")
		}
		o.clock = now
		return nil
	}
}

// WithVersion sets the version in the user agent, /actornode:<version>/.
func WithVersion(v string) Option {
	return func(o *options) error {
		if v == "" {
			return errors.New("node: WithVersion: empty version")
		}
		o.version = v
		return nil
	}
}
