package loadgen

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/internal/workpool"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// SimConfig shapes a simulation.
type SimConfig struct {
	// Peers is the number of simulated peers connecting to the node. Zero
	// means 100,000.
	Peers int
	// PerHost is how many peers share one simulated host address (each
	// host in its own /24). Zero means 100.
	PerHost int
	// PingInterval is both sides' ping interval, which sets the message
	// rate once all are connected. Zero means 10 s.
	PingInterval time.Duration
	// Measure is how long messages are counted once all are connected.
	// Zero means 10 s.
	Measure time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// SimResult is what a simulation measured.
type SimResult struct {
	// Peers asked for, Handshaken done on the simulated side.
	Peers, Handshaken int
	// Setup is the time to connect and handshake them all.
	Setup time.Duration
	// HeapPerConnKiB is the live heap growth per connection, counting
	// both of its ends (the node's peer actor and the simulated one), the
	// in-memory network's bookkeeping and the node's tables.
	HeapPerConnKiB float64
	// MessagesPerSecond counts the frames the simulated peers received
	// (the node's pings and pongs) while measuring.
	MessagesPerSecond float64
	// Goroutines is the number of goroutines with everything connected.
	Goroutines int
}

// String formats the result in one line.
func (r SimResult) String() string {
	return fmt.Sprintf("sim: %d/%d peers handshaken in %v; %.2f KiB heap per connection (both ends); %.0f messages/s; %d goroutines",
		r.Handshaken, r.Peers, r.Setup.Round(time.Millisecond), r.HeapPerConnKiB, r.MessagesPerSecond, r.Goroutines)
}

// counter is a metrics.Peer that counts received frames.
type counter struct{ frames *atomic.Int64 }

func (c counter) MessageReceived(_ string, n, _ int)     { c.frames.Add(int64(n)) }
func (c counter) MessageSent(string, int, int)           {}
func (c counter) BatchReceived(int)                      {}
func (c counter) HandshakeCompleted(bool, time.Duration) {}
func (c counter) PingMeasured(time.Duration)             {}

// nodeHost is the simulated node's address.
var nodeHost = netip.MustParseAddr("10.0.0.1")

// Sim runs a node (actors/node, its io replaced by an in-memory network)
// and connects cfg.Peers simulated peers to it, each a real outbound peer
// actor on a worker pool, then lets them ping each other.
func Sim(ctx context.Context, cfg SimConfig) (SimResult, error) {
	if cfg.Peers <= 0 {
		cfg.Peers = 100_000
	}
	if cfg.PerHost <= 0 {
		cfg.PerHost = 100
	}
	cfg.PingInterval = cmp0(cfg.PingInterval, 10*time.Second)
	cfg.Measure = cmp0(cfg.Measure, 10*time.Second)
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	res := SimResult{Peers: cfg.Peers}
	params, err := protocol.Network("regtest")
	if err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "actornode-sim-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc

	net := actortest.NewNetwork(params.Magic)
	ncfg := node.DefaultConfig()
	ncfg.Network = "regtest"
	ncfg.DataDir = dir
	ncfg.Bind = []string{netip.AddrPortFrom(nodeHost, params.DefaultPort).String()}
	ncfg.MaxConnections = cfg.Peers + 100
	ncfg.MaxOutbound = 0
	ncfg.DNSSeed, ncfg.FixedSeeds, ncfg.Discover, ncfg.NATPMP, ncfg.UPnP = false, false, false, false, false
	ncfg.DebugAddr = "off"
	ncfg.PingInterval = cfg.PingInterval
	ncfg.PingTimeout = max(ncfg.PingTimeout, 4*cfg.PingInterval)
	n, err := node.New(ncfg,
		node.WithLogger(zap.NewNop()),
		node.WithIO(func(transport.Config) *actor.Props { return net.Props(nodeHost) }))
	if err != nil {
		return res, fmt.Errorf("sim: %w", err)
	}
	if err := n.Start(ctx); err != nil {
		return res, fmt.Errorf("sim: %w", err)
	}
	defer n.Stop(context.Background())

	// The simulated side: its own actor system, worker pool and timer
	// wheel, one io replacement and one dialler per host.
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer sys.Shutdown()
	pool, err := workpool.New(max(2, runtime.GOMAXPROCS(0)))
	if err != nil {
		return res, err
	}
	defer pool.Close()
	var handshaken, frames atomic.Int64
	nonces := peer.NewNonces()
	template := peer.Config{
		// The simulated peers serve nothing, so they announce no services;
		// the node asks none of inbound peers.
		Network: params, Services: 0,
		UserAgent: "/actornode-sim:0.1/", Nonces: nonces,
		PingInterval: cfg.PingInterval, PingTimeout: 4 * cfg.PingInterval,
	}
	target := netip.AddrPortFrom(nodeHost, params.DefaultPort)
	hosts := (cfg.Peers + cfg.PerHost - 1) / cfg.PerHost
	start := time.Now()
	var dialers []*actor.PID
	for h := range hosts {
		count := min(cfg.PerHost, cfg.Peers-h*cfg.PerHost)
		// Each host in a /24 of its own: 10.(1+h/256).(h%256).1.
		host := netip.AddrFrom4([4]byte{10, byte(1 + h>>8), byte(h), 1})
		iopid := sys.Root.Spawn(net.Props(host))
		// A factory per dialer: each spawns its peers from its own goroutine.
		peers := peer.NewFactory(peer.WithDispatcher(pool), peer.WithMetrics(counter{&frames}))
		d := &dialer{
			io: iopid, target: target, total: count, inFlight: 4, template: template,
			props:      peers.Props,
			handshaken: &handshaken, idPrefix: uint64(h) << 20,
		}
		dialers = append(dialers, sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return d })))
	}
	defer func() {
		for _, d := range dialers {
			sys.Root.StopFuture(d).Wait()
		}
	}()
	lastLog := time.Now()
	for handshaken.Load() < int64(cfg.Peers) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if time.Since(lastLog) > 5*time.Second {
			lastLog = time.Now()
			fmt.Fprintf(logw, "sim: %d of %d handshaken after %v\n", handshaken.Load(), cfg.Peers, time.Since(start).Round(time.Second))
		}
		if time.Since(start) > 10*time.Minute {
			break
		}
	}
	res.Setup = time.Since(start)
	res.Handshaken = int(handshaken.Load())
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if res.Handshaken > 0 {
		res.HeapPerConnKiB = float64(int64(ms.HeapAlloc)-int64(heap0)) / 1024 / float64(res.Handshaken)
	}
	res.Goroutines = runtime.NumGoroutine()
	f0 := frames.Load()
	t0 := time.Now()
	sleepCtx(ctx, cfg.Measure)
	res.MessagesPerSecond = float64(frames.Load()-f0) / time.Since(t0).Seconds()
	return res, ctx.Err()
}

// dialer connects one simulated host's peers to the node, a few at a time
// (the node limits handshakes in progress per /24), spawning a peer actor
// for each connection as connmgr does.
type dialer struct {
	io         *actor.PID
	target     netip.AddrPort
	total      int
	inFlight   int
	template   peer.Config
	props      func(peer.Config) *actor.Props
	handshaken *atomic.Int64
	idPrefix   uint64

	dialed, pending int
	tag             uint64
	// handshook marks the connections whose handshake completed.
	handshook map[transport.ConnID]bool
}

// Receive handles the dialler's messages.
func (d *dialer) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		d.handshook = make(map[transport.ConnID]bool, d.total)
		d.more(ctx)
	case *transport.Dialed:
		if m.Err != nil {
			d.pending--
			d.dialed-- // try again
			d.more(ctx)
			return
		}
		c := d.template
		c.ID = d.idPrefix | m.Tag
		c.Conn, c.Remote, c.Local, c.IO = m.Conn, m.Addr, m.Local, d.io
		pid, err := ctx.SpawnNamed(d.props(c), "peer-"+strconv.FormatUint(c.ID, 10))
		if err != nil {
			ctx.Send(d.io, &transport.Close{Conn: m.Conn})
			return
		}
		ctx.Send(d.io, &transport.Attach{Conn: m.Conn, Peer: pid})
	case *peer.Handshaken:
		d.handshook[m.Conn] = true
		d.handshaken.Add(1)
		d.pending--
		d.more(ctx)
	case *transport.Closed:
		if !d.handshook[m.Conn] {
			// Refused or closed before its handshake: dial again.
			d.pending--
			d.dialed--
			d.more(ctx)
		}
	}
}

// more dials until inFlight handshakes are pending or all are dialled.
func (d *dialer) more(ctx actor.Context) {
	for d.pending < d.inFlight && d.dialed < d.total {
		d.dialed++
		d.pending++
		d.tag++
		ctx.Send(d.io, &transport.Dial{Tag: d.tag, Addr: d.target, Owner: ctx.Self()})
	}
}
