package connmgr

import (
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/peer"
	peermachine "github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

const wait = 5 * time.Second

// TestMain checks for leaked goroutines. protoactor's dead-letter throttle
// keeps a goroutine for up to a second after a dead letter; it is the
// library's, not ours.
func TestMain(m *testing.M) { actortest.VerifyNoLeaks(m) }

func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

func mustNetwork(t *testing.T, name string) protocol.Params {
	t.Helper()
	p, err := protocol.Network(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rig is a connmgr whose io, address book and peers are doubles: io and
// addrbook are probes (the test plays their part), peers are fakePeers that
// report to the peers probe.
type rig struct {
	t      *testing.T
	system *actor.ActorSystem
	parent *actortest.Probe // connmgr's parent
	io     *actortest.Probe
	book   *actortest.Probe
	peers  *actortest.Probe
	cm     *actor.PID
	logs   *observer.ObservedLogs
}

// newRig starts a connmgr configured by cfg (IO, AddrBook, PeerProps and
// Logger are filled in unless set); each of opts may change the config
// once the rig's actor system and probes exist.
func newRig(t *testing.T, cfg Config, opts ...func(*rig, *Config)) *rig {
	t.Helper()
	r := &rig{t: t, system: newSystem(t)}
	r.parent = actortest.NewProbe(t, r.system)
	r.io = actortest.NewProbe(t, r.system)
	r.book = actortest.NewProbe(t, r.system)
	r.peers = actortest.NewProbe(t, r.system)
	if cfg.Network.Name == "" {
		cfg.Network = mustNetwork(t, "mainnet")
	}
	if cfg.FeelerInterval == 0 {
		// Feelers on (they keep a slot out of the inbound ones) but far
		// apart unless a test asks: an exponential timer with Core's mean
		// may fire at any moment and put a feeler's ask among a test's
		// messages.
		cfg.FeelerInterval = 1000 * time.Hour
	}
	if cfg.IO == nil {
		cfg.IO = r.io.PID()
	}
	if cfg.AddrBook == nil {
		cfg.AddrBook = r.book.PID()
	}
	if cfg.PeerProps == nil {
		cfg.PeerProps = fakePeerProps(r.peers.PID())
	}
	core, logs := observer.New(zapcore.DebugLevel)
	r.logs = logs
	if cfg.Logger == nil {
		cfg.Logger = zap.New(core)
	}
	for _, o := range opts {
		o(r, &cfg)
	}
	r.cm = r.parent.Spawn(Props(cfg))
	return r
}

func (r *rig) send(msg any) { r.system.Root.Send(r.cm, msg) }

// peersNow asks connmgr for its table.
func (r *rig) peersNow() []PeerEntry {
	r.t.Helper()
	p := actortest.NewProbe(r.t, r.system)
	defer p.Stop()
	r.send(&GetPeers{ReplyTo: p.PID()})
	return actortest.Expect[*Peers](r.t, p, wait).List
}

// waitPeers waits until connmgr's table holds n peers.
func (r *rig) waitPeers(n int) []PeerEntry {
	r.t.Helper()
	var list []PeerEntry
	actortest.Eventually(r.t, wait, fmt.Sprintf("%d peers in connmgr's table", n), func() bool {
		list = r.peersNow()
		return len(list) == n
	})
	return list
}

// expectDial consumes the next Dial io gets.
func (r *rig) expectDial() *transport.Dial {
	r.t.Helper()
	return actortest.Expect[*transport.Dial](r.t, r.io, wait)
}

// accept plays io announcing an inbound connection from remote.
func (r *rig) accept(conn transport.ConnID, remote string) {
	r.send(&transport.Accepted{Conn: conn, Remote: netip.MustParseAddrPort(remote),
		Local: netip.MustParseAddrPort("127.0.0.1:8333")})
}

// spawnedPeer is what a fakePeer reports when it starts.
type spawnedPeer struct {
	cfg peer.Config
	pid *actor.PID
}

// Commands a test sends a fakePeer.
type (
	// fakeHandshake makes it tell its parent it is handshaken.
	fakeHandshake struct{ services protocol.ServiceFlag }
	// fakeStop makes it stop itself, as a peer does after a protocol error.
	fakeStop struct{}
	// fakeCrash makes it panic.
	fakeCrash struct{}
	// fakeMisbehave makes it report *peer.Misbehaved to its parent, as a
	// peer does for a rule Core calls Misbehaving for, then stop itself
	// at once when stop is set (the remote hung up right after).
	fakeMisbehave struct{ stop bool }
)

// fakePeer stands in for a peer actor: it reports its config, stops when
// io says Closed, and does what the test tells it.
type fakePeer struct {
	cfg    peer.Config
	report *actor.PID
}

func fakePeerProps(report *actor.PID) func(peer.Config) *actor.Props {
	return func(cfg peer.Config) *actor.Props {
		return actor.PropsFromProducer(func() actor.Actor { return &fakePeer{cfg: cfg, report: report} })
	}
}

func (f *fakePeer) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Send(f.report, &spawnedPeer{cfg: f.cfg, pid: ctx.Self()})
	case *transport.Closed:
		ctx.Stop(ctx.Self())
	case *fakeHandshake:
		ctx.Send(ctx.Parent(), &peer.Handshaken{ID: f.cfg.ID, PID: ctx.Self(), Conn: f.cfg.Conn,
			Remote: f.cfg.Remote, Inbound: f.cfg.Inbound,
			Version: protocol.MsgVersion{ProtocolVersion: 70016, Services: msg.services}})
	case *fakeStop:
		ctx.Stop(ctx.Self())
	case *fakeCrash:
		panic("fake peer crash")
	case *fakeMisbehave:
		ctx.Send(ctx.Parent(), &peer.Misbehaved{ID: f.cfg.ID, PID: ctx.Self(), Conn: f.cfg.Conn,
			Remote: f.cfg.Remote, Reason: peermachine.TooManyEntries})
		if msg.stop {
			ctx.Stop(ctx.Self())
		}
	}
}

// stopInBubble stops the rig at the end of a synctest bubble: everything
// stops before the bubble's main goroutine returns, and the dead-letter
// throttle goroutine protoactor starts on the way (it waits 1 s) ends in
// fake time.
func (r *rig) stopInBubble() {
	r.parent.Stop()
	for _, p := range []*actortest.Probe{r.io, r.book, r.peers} {
		p.Stop()
	}
	time.Sleep(2 * time.Second)
	synctest.Wait()
}
