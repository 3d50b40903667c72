package node

import (
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/nat"
)

// stopTree asks the root actor to stop its children in order, then itself.
type stopTree struct{}

// rootActor is the node actor: it spawns the tree in dependency order and
// stops it in reverse (connmgr first so that no new connection starts, then
// io, then the address book so its last save sees every outcome). A child
// that fails stops the tree the same way (stopOnFailure).
type rootActor struct {
	node    *Node
	ready   chan<- childPIDs
	pids    childPIDs
	started time.Time
	// stopQueue are the children still to stop, in order; nil while running.
	stopQueue []*actor.PID
	stopping  bool
}

// Receive handles the root's messages.
func (r *rootActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		r.start(ctx)
	case *stopTree:
		r.beginStop(ctx)
	case *childFailed:
		r.beginStop(ctx)
	case *actor.Terminated:
		r.childTerminated(ctx, m)
	case *inspect.Describe:
		r.describe(ctx, m)
	case *actor.Stopped:
		close(r.node.done)
	}
}

func (r *rootActor) start(ctx actor.Context) {
	n := r.node
	r.started = time.Now()
	spawn := func(name string, props *actor.Props) *actor.PID {
		props = n.counted(props)
		if len(n.opts.childMiddleware) > 0 {
			props = props.Configure(actor.WithReceiverMiddleware(n.opts.childMiddleware...))
		}
		pid, err := ctx.SpawnNamed(props, name)
		if err != nil {
			// Names are fixed and unique under a fresh root: this is a bug.
			panic("node: spawn " + name + ": " + err.Error())
		}
		return pid
	}
	p := childPIDs{}
	p.io = spawn("io", n.opts.ioProps(n.ioConfig()))
	p.dispatcher = spawn("dispatcher", dispatcher.Props(dispatcher.WithLogger(n.logger.Named(CategoryMsg).Named("dispatcher")), dispatcher.WithRoutes(n.routes)))
	// The chain actor follows the header chain (syncs, persists, serves
	// headers) and serves the blocks we have (the genesis block). It is
	// the root's child, so that connmgr can be told to report ready peers
	// to it, and registers with the dispatcher for its commands.
	p.chain = spawn("chain", chain.Props(n.chainConfig()))
	for _, cmd := range chain.Commands() {
		ctx.Send(p.dispatcher, &dispatcher.Register{Command: cmd, Handler: p.chain})
	}
	p.addrbook = spawn("addrbook", addrbook.Props(n.addrbookConfig(p)))
	p.connmgr = spawn("connmgr", connmgr.Props(n.connmgrConfig(p)))
	if n.cfg.NATActorOn() {
		p.nat = spawn("nat", nat.Props(n.natConfig(p)))
	}
	r.pids = p
	r.ready <- p
}

func (r *rootActor) beginStop(ctx actor.Context) {
	if r.stopping {
		return
	}
	r.stopping = true
	// The chain after connmgr (no peer left to feed it), its last headers
	// written before it stops.
	r.stopQueue = []*actor.PID{r.pids.connmgr, r.pids.chain, r.pids.io, r.pids.addrbook, r.pids.dispatcher}
	if r.pids.nat != nil {
		// First: the port mapping is deleted (within its own bound) while
		// connmgr can still hear the external address withdrawn.
		r.stopQueue = append([]*actor.PID{r.pids.nat}, r.stopQueue...)
	}
	r.stopNext(ctx)
}

func (r *rootActor) stopNext(ctx actor.Context) {
	if len(r.stopQueue) == 0 {
		ctx.Stop(ctx.Self())
		return
	}
	if next := r.stopQueue[0]; r.pids.nat != nil && next.Equal(r.pids.nat) {
		ctx.Send(next, &nat.Stop{}) // deletes the mapping, then stops
		return
	}
	ctx.Poison(r.stopQueue[0])
}

func (r *rootActor) childTerminated(ctx actor.Context, m *actor.Terminated) {
	if !r.stopping {
		// A child that stops on its own leaves the node without it: stop
		// the rest in order, as after a panic.
		r.node.childFailed(childName(m.Who), "stopped unexpectedly", "")
		r.beginStop(ctx)
		return
	}
	if len(r.stopQueue) > 0 && r.stopQueue[0].Equal(m.Who) {
		r.stopQueue = r.stopQueue[1:]
		r.stopNext(ctx)
	}
}

func (r *rootActor) describe(ctx actor.Context, m *inspect.Describe) {
	ctx.Send(m.ReplyTo, &inspect.Description{
		Self:     ctx.Self(),
		Kind:     "node",
		Children: ctx.Children(),
		Summary: map[string]any{
			"network":    r.node.params.Name,
			"user_agent": r.node.userAgent(),
			"uptime_s":   int64(time.Since(r.started).Seconds()),
			"stopping":   r.stopping,
		},
	})
}

// addrBookFile is the address book's file in the data directory.
func (n *Node) addrBookFile() string {
	return filepath.Join(n.cfg.DataDirOrDefault(), addrbook.FileName)
}

func (n *Node) addrbookConfig(p childPIDs) addrbook.Config {
	return addrbook.Config{
		Network:    n.params,
		DNSSeed:    n.cfg.DNSSeed && len(n.cfg.Connect) == 0,
		DNSSeeds:   n.cfg.DNSSeeds,
		Resolver:   n.cfg.DNSResolver,
		FixedSeeds: n.cfg.FixedSeeds && len(n.cfg.Connect) == 0 && n.cfg.MaxConnections > 0,
		SeedNodes:  len(seedNodes(&n.cfg)) > 0 && len(n.cfg.Connect) == 0,
		File:       n.addrBookFile(),
		Services:   n.services(),
		// The chain's tip is its genesis block, so on every network the node
		// stays in initial block download and does not announce itself.
		InitialBlockDownload: n.initialBlockDownload(),
		Dispatcher:           p.dispatcher,
		Logger:               n.logger.Named(CategoryAddrman),
		Clock:                n.opts.clock,
	}
}

// initialBlockDownload is the address book's view of the chain's initial
// block download state (chain.IBD), from the tip of the chain of blocks
// the chain actor has: its genesis block (it keeps headers only), or no
// tip when that block is unusable.
func (n *Node) initialBlockDownload() func(time.Time) bool {
	tip, _ := chain.GenesisTip(n.params) // an unusable genesis: no tip, so IBD
	if n.opts.chainTip != nil {
		tip = *n.opts.chainTip
	}
	return chain.NewIBD(tip, n.params).Active
}

func (n *Node) connmgrConfig(p childPIDs) connmgr.Config {
	binds, _ := n.cfg.BindAddrs() // validated in New
	listen := n.cfg.Listen
	maxConns, outbound, feelers := automaticConnections(&n.cfg)
	return connmgr.Config{
		Network:        n.params,
		V2:             n.v2(),
		Listen:         listen,
		Bind:           binds,
		Connect:        n.cfg.Connect,
		AddNode:        n.cfg.AddNode,
		SeedNode:       seedNodes(&n.cfg),
		MaxOutbound:    outbound,
		MaxBlockRelay:  n.blockRelaySlots(),
		AnchorsFile:    filepath.Join(n.cfg.DataDirOrDefault(), connmgr.AnchorsFileName),
		MaxConnections: maxConns,
		DialTimeout:    n.cfg.DialTimeout,
		FeelerInterval: feelers,
		BanFile:        filepath.Join(n.cfg.DataDirOrDefault(), connmgr.BanFileName),
		IO:             p.io,
		AddrBook:       p.addrbook,
		Dispatcher:     p.dispatcher,
		PeerWatchers:   []*actor.PID{p.chain},
		PeerTemplate:   n.peerTemplate(),
		PeerProps:      n.opts.peerProps,
		Logger:         n.logger.Named(CategoryNet).Named("connmgr"),
		Clock:          n.opts.clock,
	}
}

func (n *Node) chainConfig() chain.Config {
	return chain.Config{
		Network: n.params,
		Logger:  n.logger.Named(CategoryMsg).Named("chain"),
		DataDir: n.cfg.DataDirOrDefault(),
		Clock:   n.opts.clock,
		Metrics: n.metrics,
		Height:  &n.height,
	}
}

func (n *Node) natConfig(p childPIDs) nat.Config {
	// The delete at shutdown (and its slack of a quarter) gets at most
	// half the node's shutdown time; the rest of the tree stops after it.
	unmap := min(nat.DefaultUnmapTimeout, n.cfg.ShutdownTimeout*2/5)
	return nat.Config{
		NATPMP:       n.cfg.NATPMP && n.cfg.Listen,
		UPnP:         n.cfg.UPnP && n.cfg.Listen,
		Gateway:      n.cfg.NATGateway(),
		ExternalIPs:  n.cfg.ExternalAddrs(),
		Discover:     n.cfg.DiscoverOn(),
		Lifetime:     n.cfg.PortMapLifetime,
		UnmapTimeout: unmap,
		ConnMgr:      p.connmgr,
		Logger:       n.logger.Named(CategoryNet).Named("nat"),
		Clock:        n.opts.clock,
	}
}

// automaticConnections turns -maxconnections, -maxoutbound and
// -feelerinterval into connmgr's options the way Core's CConnman::Init
// sizes its slots from -maxconnections:
//   - the automatic full-relay outbound slots are min(MaxOutbound,
//     MaxConnections), as Core's min(MAX_OUTBOUND_FULL_RELAY_CONNECTIONS,
//     maxconnections);
//   - every automatic outbound connection, feelers included, holds one of
//     min(automatic outbound, maxconnections) grants (Core's semOutbound),
//     so feelers run only while a grant is left over the outbound slots;
//   - the block-relay-only slots are min(2, MaxConnections less the
//     full-relay slots), as Core's min(MAX_BLOCK_RELAY_ONLY_CONNECTIONS,
//     maxconnections - full relay) (blockRelaySlots), and hold grants too;
//   - MaxConnections 0 means no automatic connection at all: no outbound
//     slot, no feeler and no inbound slot (an inbound connection, if
//     listening was asked for, is accepted and dropped, as Core's
//     m_max_inbound of 0 does). connmgr takes that as a negative value, its
//     0 meaning its default. -connect, -addnode and the addnode RPC hold
//     no grant and still run, as in Core; -seednode and the fixed seeds
//     need one and do not (seedNodes, addrbookConfig).
func automaticConnections(c *Config) (maxConns, outbound int, feelers time.Duration) {
	maxConns, outbound = c.MaxConnections, min(c.MaxOutbound, c.MaxConnections)
	feelers = feelerInterval(c.FeelerInterval)
	if outbound+blockRelaySlots(c) >= maxConns {
		feelers = -1
	}
	if maxConns == 0 {
		maxConns = -1
	}
	return maxConns, outbound, feelers
}

// blockRelaySlots is the number of automatic block-relay-only slots: Core's
// min(MAX_BLOCK_RELAY_ONLY_CONNECTIONS, maxconnections - full-relay slots),
// none when the full-relay slots are off (-maxoutbound=0, this node's own
// switch for automatic outbound connections).
func blockRelaySlots(c *Config) int {
	outbound := min(c.MaxOutbound, c.MaxConnections)
	if outbound <= 0 {
		return 0
	}
	return min(connmgr.DefaultMaxBlockRelay, max(c.MaxConnections-outbound, 0))
}

// blockRelaySlots is blockRelaySlots of the node's configuration, or what a
// test's option set.
func (n *Node) blockRelaySlots() int {
	if n.opts.maxBlockRelay != nil {
		return *n.opts.maxBlockRelay
	}
	return blockRelaySlots(&n.cfg)
}

// seedNodes are the -seednode peers connmgr dials: none with
// -maxconnections=0, since Core dials one only with a grant of its
// outbound semaphore (ProcessAddrFetch), and there is none.
func seedNodes(c *Config) []string {
	if c.MaxConnections == 0 {
		return nil
	}
	return c.SeedNode
}

// feelerInterval turns the node's setting (0: off) into connmgr's
// (negative: off, 0: its default).
func feelerInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
