package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/debughttp"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/internal/httplimit"
	"github.com/actornode/actornode/actors/internal/workpool"
	"github.com/actornode/actornode/actors/metrics"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// Version is actornode's release, announced in the user agent.
const Version = "0.1.0"

// Node is one running actornode: an actor system holding the tree
//
//	node
//	├── io
//	├── dispatcher
//	├── addrbook
//	├── connmgr
//	│   └── peer-<id> ...
//	└── nat (port mapping and own addresses; when Config.NATActorOn)
//
// and the debug HTTP endpoint.
type Node struct {
	cfg    Config
	params protocol.Params
	opts   options
	logger *zap.Logger

	system *actor.ActorSystem
	root   *actor.PID
	pids   childPIDs
	done   chan struct{}

	// peerLogger is the parent of every peer's logger, named once rather
	// than per peer.
	peerLogger *zap.Logger
	// peerPool runs the peer actors' mailboxes; peers makes their props
	// (defaultPeerProps), sharing what every peer has in common.
	peerPool *workpool.Pool
	peers    *peer.Factory
	// routes are the commands that have handlers, kept by the dispatcher
	// and read by every peer, which decodes only those.
	routes *dispatcher.Routes

	debugSrv *http.Server
	debugLn  net.Listener

	// counters are every actor's mailbox counters; metrics the node's
	// Prometheus registry; rpcSrv the JSON-RPC server (nil unless -server).
	counters *inspect.Counters
	metrics  *metrics.Metrics
	rpcSrv   *rpc.Server
	// height is the best header's height, kept by the chain actor and
	// announced by every peer in its version message.
	height atomic.Int32
	// started is when Start began (the uptime RPC).
	started time.Time
	// logFile is -logfile, opened by New when it built the logger.
	logFile *logFile
	// lockFile holds the data directory's lock from Start to the end of
	// Stop.
	lockFile *os.File
	// failed is the first failure of an actor of the tree, which stopped
	// the node (nil while none).
	failed atomic.Pointer[ActorFailure]

	stopOnce sync.Once
	stopErr  error
}

// childPIDs are the root's children, fixed once the root has started.
type childPIDs struct {
	io, dispatcher, addrbook, connmgr, chain *actor.PID
	// nat is nil when the nat actor is off (Config.NATActorOn).
	nat *actor.PID
}

// New checks cfg and the options and builds a node that is not yet running.
func New(cfg Config, opts ...Option) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	params, err := cfg.Params()
	if err != nil {
		return nil, err
	}
	o := options{version: Version, clock: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.debug == nil {
		o.debug = &DebugCategories{}
		o.debug.Set(cfg.Debug)
	}
	var logFile *logFile
	if o.logger == nil {
		var w io.Writer = os.Stderr
		if path := cfg.LogFilePath(); path != "" {
			if !filepath.IsAbs(cfg.LogFile) { // in the data directory, made here
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					return nil, keyErr("logfile", "%v", err)
				}
			}
			f, err := openLogFile(path)
			if err != nil {
				return nil, keyErr("logfile", "%v", err)
			}
			logFile, w = f, consoleAndFile{console: os.Stderr, file: f}
		}
		o.logger = NewLogger(cfg.LogFormat, w, o.debug)
	}
	if o.ioProps == nil {
		o.ioProps = transport.Props
	}
	n := &Node{cfg: cfg, params: params, opts: o, logger: o.logger, done: make(chan struct{}), routes: dispatcher.NewRoutes(),
		counters: inspect.NewCounters(), logFile: logFile}
	n.peerLogger = n.logger.Named(CategoryNet).Named("peer")
	n.metrics = metrics.New(n.snapshot, scrapeTimeout)
	if n.opts.peerProps == nil {
		n.opts.peerProps = n.defaultPeerProps
	}
	return n, nil
}

// defaultPeerProps makes peer actors with the node's factory: counted
// mailboxes run on the node's worker pool (DESIGN.md, io rule 6: a few
// long-lived workers instead of a goroutine per activation). connmgr calls
// it and spawns at once, from its own goroutine, as a Factory needs.
func (n *Node) defaultPeerProps(c peer.Config) *actor.Props {
	return n.peers.Props(c)
}

// Logger is the node's logger.
func (n *Node) Logger() *zap.Logger { return n.logger }

// DebugCategories is the live set of debug log categories.
func (n *Node) DebugCategories() *DebugCategories { return n.opts.debug }

// System is the node's actor system (nil before Start).
func (n *Node) System() *actor.ActorSystem { return n.system }

// Root is the PID of the node's root actor.
func (n *Node) Root() *actor.PID { return n.root }

// ConnMgr is the PID of the connection manager.
func (n *Node) ConnMgr() *actor.PID { return n.pids.connmgr }

// AddrBook is the PID of the address book.
func (n *Node) AddrBook() *actor.PID { return n.pids.addrbook }

// Dispatcher is the PID of the message dispatcher.
func (n *Node) Dispatcher() *actor.PID { return n.pids.dispatcher }

// NAT is the PID of the nat actor, nil when it is off (no port mapping,
// -externalip or -discover).
func (n *Node) NAT() *actor.PID { return n.pids.nat }

// Chain is the PID of the chain actor (header sync, getheaders, blocks).
func (n *Node) Chain() *actor.PID { return n.pids.chain }

// IO is the PID of the io actor.
func (n *Node) IO() *actor.PID { return n.pids.io }

// Params are the node's network parameters.
func (n *Node) Params() protocol.Params { return n.params }

// Done is closed once the node has stopped.
func (n *Node) Done() <-chan struct{} { return n.done }

// Start builds the actor tree, waits until the listeners are bound and starts
// the debug endpoint. On failure everything started is stopped again.
func (n *Node) Start(ctx context.Context) error {
	dir := n.cfg.DataDirOrDefault()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("start node: data directory: %w", err)
	}
	lock, err := lockDataDir(dir)
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	n.lockFile = lock
	// Like Core with a corrupt peers.dat, refuse to start over a corrupt
	// address book rather than start empty (and seed from DNS again).
	if err := addrbook.CheckFile(n.addrBookFile(), n.params); err != nil {
		n.unlockDataDir()
		return fmt.Errorf("start node: %w", err)
	}
	pool, err := workpool.New(max(2, runtime.GOMAXPROCS(0)))
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	n.peerPool = pool
	n.peers = peer.NewFactory(
		peer.WithLogger(n.peerLogger),
		peer.WithClock(n.opts.clock),
		peer.WithDispatcher(n.peerPool),
		peer.WithMailbox(n.counters.Mailbox()),
		peer.WithMetrics(n.metrics))
	n.started = n.opts.clock()
	n.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return actorSystemLogger(n.logger)
	}))
	pidsReady := make(chan childPIDs, 1)
	props := actor.PropsFromProducer(func() actor.Actor {
		return &rootActor{node: n, ready: pidsReady}
	}, actor.WithSupervisor(&stopOnFailure{node: n}), actor.WithMailbox(n.counters.Mailbox()))
	root, err := n.system.Root.SpawnNamed(props, "node")
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	n.root = root
	select {
	case n.pids = <-pidsReady:
	case <-ctx.Done():
		n.stop(context.Background())
		return fmt.Errorf("start node: %w", ctx.Err())
	}
	if err := n.waitListening(ctx); err != nil {
		n.stop(context.Background())
		return err
	}
	if err := n.startDebug(); err != nil {
		n.stop(context.Background())
		return err
	}
	if err := n.startRPC(); err != nil {
		n.stop(context.Background())
		return err
	}
	n.logger.Named(CategoryNode).Info("node started",
		zap.String("network", n.params.Name),
		zap.String("user_agent", n.userAgent()),
		zap.String("debug", n.DebugURL()),
		zap.String("rpc", n.RPCURL()))
	return nil
}

// waitListening asks connmgr until every listener has answered.
func (n *Node) waitListening(ctx context.Context) error {
	if !n.cfg.Listen {
		return nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 0; attempt < 400 && time.Now().Before(deadline); attempt++ {
		reply, err := inspect.Ask(n.system.Root, n.pids.connmgr, func(to *actor.PID) any {
			return &connmgr.GetListeners{ReplyTo: to}
		}, time.Second)
		if err != nil {
			return fmt.Errorf("start node: ask connmgr for listeners: %w", err)
		}
		l := reply.(*connmgr.Listeners)
		if l.Err != nil {
			return fmt.Errorf("start node: %w", l.Err)
		}
		if l.Ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("start node: waiting for listeners: %w", ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
	return errors.New("start node: listeners did not report within 10s")
}

// ListenAddrs are the addresses the node listens on (ports resolved).
func (n *Node) ListenAddrs() []netip.AddrPort {
	reply, err := inspect.Ask(n.system.Root, n.pids.connmgr, func(to *actor.PID) any {
		return &connmgr.GetListeners{ReplyTo: to}
	}, 2*time.Second)
	if err != nil {
		return nil
	}
	return reply.(*connmgr.Listeners).Addrs
}

// DebugURL is the base URL of the debug endpoint, or "" when it is off.
func (n *Node) DebugURL() string {
	if n.debugLn == nil {
		return ""
	}
	return "http://" + n.debugLn.Addr().String() + "/debug/"
}

// Stop stops the node: the RPC server and the debug endpoint first (their
// requests in flight get HTTPGrace, then their connections are cut), then
// the tree in order (connmgr and its peers, then io, then the address book
// with its final save, and the dispatcher), bounded by ctx and
// Config.ShutdownTimeout. A request that never completes cannot take the
// tree's time. It is safe to call more than once; when an actor of the tree
// failed, the error says which.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() { n.stopErr = n.stop(ctx) })
	return n.stopErr
}

// HTTPGrace is the time a stop gives HTTP requests in flight (RPC and the
// debug endpoint) before it cuts their connections; Core waits up to 30s
// for its HTTP clients, ours are local and short. At most
// Config.ShutdownTimeout.
const HTTPGrace = 2 * time.Second

func (n *Node) stop(ctx context.Context) error {
	var errs []error
	n.stopHTTP(ctx)
	if n.root != nil {
		tctx, cancel := context.WithTimeout(ctx, n.cfg.ShutdownTimeout)
		n.system.Root.Send(n.root, &stopTree{})
		select {
		case <-n.done:
		case <-tctx.Done():
			errs = append(errs, fmt.Errorf("stop node: actors still running: %w", tctx.Err()))
		}
		cancel()
	}
	if err := n.failure(); err != nil {
		errs = append(errs, err)
	}
	if n.system != nil {
		n.system.Shutdown()
	}
	if n.peerPool != nil {
		n.peerPool.Close()
	}
	n.unlockDataDir()
	n.logger.Named(CategoryNode).Info("node stopped")
	_ = n.logger.Sync()
	n.closeLogFile()
	return errors.Join(errs...)
}

// stopHTTP stops the RPC server (removing its cookie) and the debug
// endpoint together: they accept nothing more, requests in flight get
// HTTPGrace, then every connection left is closed.
func (n *Node) stopHTTP(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, min(HTTPGrace, n.cfg.ShutdownTimeout))
	defer cancel()
	log := n.logger.Named(CategoryNode)
	var wg sync.WaitGroup
	if n.rpcSrv != nil {
		wg.Go(func() {
			if err := n.rpcSrv.Shutdown(ctx); err != nil {
				log.Warn("rpc requests still running at stop: connections cut", zap.Error(err))
				n.rpcSrv.Close()
			}
		})
	}
	if n.debugSrv != nil {
		wg.Go(func() {
			if err := n.debugSrv.Shutdown(ctx); err != nil {
				log.Warn("debug requests still running at stop: connections cut", zap.Error(err))
				_ = n.debugSrv.Close()
			}
		})
	}
	wg.Wait()
}

func (n *Node) userAgent() string { return "/actornode:" + n.opts.version + "/" }

// services are the service bits we announce, in version messages, in our
// self-announcements and in getnetworkinfo and /debug: only what the node
// really serves, so none. It serves headers and the genesis block and
// nothing more, so not NODE_NETWORK (the whole chain) nor
// NODE_NETWORK_LIMITED (BIP159: the last 288 blocks). Core sets
// NODE_WITNESS on every node, but the bit means peers may ask us for blocks
// and transactions with their witness data (BIP144), and we have neither
// past genesis nor a mempool, so we leave it off too. On regtest,
// -regtestservices replaces the set (tests and the demo, where our nodes
// must accept each other as outbound peers). NODE_P2P_V2 is added with
// -v2transport, as Core does: that one we serve.
func (n *Node) services() protocol.ServiceFlag {
	s := n.cfg.LocalServices()
	if n.v2() {
		s |= protocol.SFNodeP2PV2 // BIP324, as Core with -v2transport
	}
	return s
}

// v2 says whether the node speaks BIP324's v2 transport: -v2transport,
// on a build whose io does (transport.SpeaksV2), or with an io replaced by
// WithIO (the in-memory network speaks it).
func (n *Node) v2() bool {
	return n.cfg.V2Transport && (transport.SpeaksV2 || n.opts.customIO)
}

func (n *Node) ioConfig() transport.Config {
	return transport.Config{
		Magic:     n.params.Magic,
		RecvLimit: n.cfg.MaxReceiveBuffer * 1000,
		SendLimit: n.cfg.MaxSendBuffer * 1000,
		V2:        n.v2(),
		Logger:    n.logger.Named(CategoryNet).Named("io"),
	}
}

func (n *Node) peerTemplate() peer.Config {
	return peer.Config{
		Network:          n.params,
		Services:         n.services(),
		UserAgent:        n.userAgent(),
		Relay:            !n.cfg.BlocksOnly,
		HandshakeTimeout: n.cfg.HandshakeTimeout,
		PingInterval:     n.cfg.PingInterval,
		PingTimeout:      n.cfg.PingTimeout,
		Routes:           n.routes,
		Height:           &n.height,
	}
}

func (n *Node) startDebug() error {
	if n.cfg.DebugAddr == "" || n.cfg.DebugAddr == "off" {
		return nil
	}
	allow, err := n.cfg.DebugAllowNets()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", n.cfg.DebugAddr)
	if err != nil {
		return fmt.Errorf("start debug endpoint on %s: %w", n.cfg.DebugAddr, err)
	}
	n.debugLn = ln
	log := n.logger.Named(CategoryNode).Named("debughttp")
	listen, _ := netip.ParseAddrPort(ln.Addr().String())
	n.debugSrv = httplimit.Server(debughttp.Handler(debughttp.Source{
		Root: n.system.Root, Top: n.root, ConnMgr: n.pids.connmgr, AddrBook: n.pids.addrbook,
		NAT: n.pids.nat, Chain: n.pids.chain,
		Stats: n.counters.Stats, Identity: n.identity(), Log: n.opts.debug,
		Metrics: n.metrics.Handler(),
		Listen:  listen, AllowIP: allow,
		Refused: func(r *http.Request, why string) {
			log.Warn("debug endpoint: request refused", zap.String("remote", r.RemoteAddr),
				zap.String("host", r.Host), zap.String("path", r.URL.Path), zap.String("why", why))
		},
	}), n.cfg.RPCServerTimeout, zap.NewStdLog(log))
	limited := httplimit.Listen(ln, debugMaxConns, func(remote net.Addr) {
		log.Warn("debug endpoint: connection limit reached, closing a new connection",
			zap.Stringer("remote", remote), zap.Int("max", debugMaxConns))
	})
	go func() {
		if err := n.debugSrv.Serve(limited); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug endpoint stopped", zap.Error(err))
		}
	}()
	return nil
}

// debugMaxConns caps the debug endpoint's open connections.
const debugMaxConns = 64
