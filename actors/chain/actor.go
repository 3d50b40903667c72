package chain

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// Commands are the commands the chain actor answers: register it with the
// dispatcher for these.
func Commands() []string {
	return []string{protocol.CmdGetHeaders, protocol.CmdGetBlocks, protocol.CmdGetData}
}

// Config is what the chain actor is born with.
type Config struct {
	// Network is the network whose chain is served: its GenesisBlock,
	// GenesisHash and MinimumChainWork. A Params whose genesis block is
	// missing or does not hash to GenesisHash leaves the actor with an
	// empty chain (it serves nothing and logs an error when it starts).
	Network protocol.Params
	// Logger receives per-request lines at Debug. Nil means none.
	Logger *zap.Logger
}

// Props returns the chain actor's props. The chain is built once, here, and
// shared read-only by every incarnation of the actor; the counters start
// from zero after a restart.
func Props(cfg Config) *actor.Props {
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	c, err := newChain(cfg.Network)
	if err != nil {
		c = emptyChain()
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &handler{
			log:      logger,
			network:  cfg.Network.Name,
			chainErr: err,
			srv:      server{chain: c},
			unknown:  make(map[string]uint64),
		}
	})
}

// maxUnknownKeys bounds the per-type counter of unexpected messages.
const maxUnknownKeys = 64

// handler is the actor. Only its Receive touches its fields.
type handler struct {
	log     *zap.Logger
	network string
	// chainErr says why the chain is empty, or is nil.
	chainErr error
	srv      server
	// outs is reused for the replies to each getdata.
	outs []protocol.Message
	// unknown counts unexpected message types and commands by name.
	unknown map[string]uint64
}

// Receive handles one message.
func (a *handler) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *dispatcher.Deliver:
		a.deliver(ctx, msg)
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *actor.Started:
		a.started()
	case *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		a.unexpected(fmt.Sprintf("%T", msg))
	}
}

func (a *handler) started() {
	if a.chainErr != nil {
		a.log.Error("serving an empty chain", zap.String("network", a.network), zap.Error(a.chainErr))
	}
}

func (a *handler) deliver(ctx actor.Context, d *dispatcher.Deliver) {
	if d.From.PID == nil || d.Msg == nil {
		a.unexpected("deliver without sender or message")
		d.Done(ctx)
		return
	}
	switch m := d.Msg.(type) {
	case *protocol.MsgGetHeaders:
		a.getHeaders(ctx, d.From, m)
	case *protocol.MsgGetData:
		a.srv.n.getData++
		a.getData(ctx, d, m.InvList)
		return
	case *getDataRest:
		a.getData(ctx, d, m.InvList)
		return
	case *protocol.MsgGetBlocks:
		a.getBlocks(ctx, d.From, m)
	default:
		a.unexpected(d.Msg.Command())
	}
	d.Done(ctx)
}

// getDataRest is what is left of a peer's getdata after a pass: the peer
// keeps it (dispatcher.Deliver.Continue) and hands it back for the next
// pass once its send queue is below the limit.
type getDataRest struct{ protocol.MsgGetData }

func (a *handler) getHeaders(ctx actor.Context, from dispatcher.Sender, m *protocol.MsgGetHeaders) {
	reply, why := a.srv.getHeaders(m)
	if ce := a.log.Check(zap.DebugLevel, "getheaders"); ce != nil {
		ce.Write(zap.Uint64("peer", from.ID), zap.Int("locator", len(m.BlockLocatorHashes)),
			zap.Stringer("hash_stop", m.HashStop), zap.Bool("answered", reply != nil),
			zap.Int("headers", headerCount(reply)), zap.String("why", why))
	}
	if reply != nil {
		ctx.Send(from.PID, &peer.SendMessage{Msg: reply})
	}
}

func (a *handler) getBlocks(ctx actor.Context, from dispatcher.Sender, m *protocol.MsgGetBlocks) {
	reply, err := a.srv.getBlocks(m)
	if errors.Is(err, ErrLocatorTooLarge) {
		a.log.Debug("disconnecting", zap.Uint64("peer", from.ID), zap.Error(err))
		ctx.Send(from.PID, &peer.Disconnect{Reason: err})
		return
	}
	if ce := a.log.Check(zap.DebugLevel, "getblocks"); ce != nil {
		n := 0
		if reply != nil {
			n = len(reply.InvList)
		}
		ce.Write(zap.Uint64("peer", from.ID), zap.Int("locator", len(m.BlockLocatorHashes)),
			zap.Stringer("hash_stop", m.HashStop), zap.Int("blocks", n))
	}
	if reply != nil {
		ctx.Send(from.PID, &peer.SendMessage{Msg: reply})
	}
}

// getData serves one pass of a peer's getdata queue (server.getData) and
// leaves the rest with the peer, as Core serves at most one block per
// peer per turn and none while the peer's send buffer is full.
func (a *handler) getData(ctx actor.Context, d *dispatcher.Deliver, invs []protocol.InvVect) {
	from := d.From
	outs, rest, disconnect := a.srv.getData(invs, a.outs[:0])
	if ce := a.log.Check(zap.DebugLevel, "getdata"); ce != nil {
		ce.Write(zap.Uint64("peer", from.ID), zap.Int("entries", len(invs)), zap.Int("replies", len(outs)), zap.Int("left", len(rest)))
	}
	for i, msg := range outs {
		ctx.Send(from.PID, &peer.SendMessage{Msg: msg})
		outs[i] = nil
	}
	a.outs = outs[:0]
	if disconnect != nil {
		a.log.Debug("disconnecting", zap.Uint64("peer", from.ID), zap.Error(disconnect))
		ctx.Send(from.PID, &peer.Disconnect{Reason: disconnect})
	}
	if len(rest) == 0 || disconnect != nil {
		d.Done(ctx)
		return
	}
	d.Continue(ctx, ctx.Self(), &getDataRest{protocol.MsgGetData{InvList: rest}})
}

func (a *handler) describe(ctx actor.Context, msg *inspect.Describe) {
	if msg.ReplyTo == nil {
		return
	}
	c := a.srv.chain
	best := ""
	if h := c.tipHeight(); h >= 0 {
		best = c.hashes[h].String()
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self: ctx.Self(),
		Kind: "chain",
		Summary: map[string]any{
			"network":            a.network,
			"height":             c.tipHeight(),
			"best":               best,
			"chainwork":          fmt.Sprintf("%064x", c.work),
			"below_minimum_work": c.belowMinimumWork,
			"served":             a.srv.n.summary(),
			"unexpected":         a.unexpectedTotal(),
		},
	})
}

// unexpected logs and counts a message the actor does not handle.
func (a *handler) unexpected(name string) {
	if _, ok := a.unknown[name]; !ok && len(a.unknown) >= maxUnknownKeys {
		name = "*other*"
	}
	a.unknown[name]++
	a.log.Debug("unexpected message", zap.String("type", name))
}

func (a *handler) unexpectedTotal() uint64 {
	var n uint64
	for _, c := range a.unknown {
		n += c
	}
	return n
}

func headerCount(m *protocol.MsgHeaders) int {
	if m == nil {
		return 0
	}
	return len(m.Headers)
}
