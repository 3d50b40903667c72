package peer

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// TestFactoryPeersShareTheirNodeWideStateAndKeepTheirOwn spawns two
// outbound peers from one factory: each sends its own version (its own
// remote as addr_recv) through the same props, and both point to one
// copy of what they have in common, until the node-wide config changes.
func TestFactoryPeersShareTheirNodeWideStateAndKeepTheirOwn(t *testing.T) {
	params, err := protocol.Network("regtest")
	if err != nil {
		t.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(system.Shutdown)
	io := newProbe(system, realWait)
	f := NewFactory()
	template := Config{IO: io.pid, Network: params, UserAgent: "/factory-test:0.1/"}
	// Routable (never dialled: io is a probe), so each version names its remote.
	remotes := []netip.AddrPort{netip.MustParseAddrPort("8.8.4.4:18444"), netip.MustParseAddrPort("9.9.9.9:18444")}
	var props []*actor.Props
	for i, remote := range remotes {
		cfg := template
		cfg.ID, cfg.Conn, cfg.Remote = uint64(i+1), transport.ConnID(i+1), remote
		p := f.Props(cfg)
		props = append(props, p)
		if _, err := system.Root.SpawnNamed(p, "peer-"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if props[0] != props[1] {
		t.Fatal("the factory made new props for the second peer")
	}
	got := map[transport.ConnID]netip.AddrPort{}
	for range remotes {
		send := expect[*transport.Send](t, io)
		frames, err := transport.Deframe(send.Data, params.Magic, nil)
		if err != nil || len(frames.Frames) != 1 || frames.Frames[0].Command != protocol.CmdVersion {
			t.Fatalf("conn %d sent %d frames (%v), want its version", send.Conn, len(frames.Frames), err)
		}
		msg, err := protocol.Decode(protocol.CmdVersion, frames.Frames[0].Payload, protocol.ProtocolVersion)
		if err != nil {
			t.Fatal(err)
		}
		got[send.Conn] = msg.(*protocol.MsgVersion).AddrRecv.AddrPort()
	}
	for i, remote := range remotes {
		if got[transport.ConnID(i+1)] != remote {
			t.Fatalf("conn %d's version names %v, want its own remote %v", i+1, got[transport.ConnID(i+1)], remote)
		}
	}

	shared := f.last
	cfg := template
	cfg.ID, cfg.Conn = 3, 3
	f.Props(cfg)
	if f.last != shared {
		t.Fatal("a peer with the same node-wide config got a copy of its own")
	}
	cfg.StartHeight = 7
	f.Props(cfg)
	if f.last == shared || f.last.settings.StartHeight != 7 {
		t.Fatal("a changed node-wide config was not taken")
	}
}

// TestFactoryRestartStops checks that a factory-made peer restarted by its
// supervisor stops rather than run with lost state.
func TestFactoryRestartStops(t *testing.T) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(system.Shutdown)
	f := NewFactory()
	watcher := newProbe(system, realWait)
	var target *actor.PID
	parent := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			// A peer whose produce finds no peer waiting: a restart.
			target = ctx.Spawn(f.props)
			ctx.Watch(target)
		case *actor.Terminated:
			watcher.ch <- msg
		}
	}))
	defer system.Root.Stop(parent)
	if term := expect[*actor.Terminated](t, watcher); !term.Who.Equal(target) {
		t.Fatalf("terminated %v, want the orphan %v", term.Who, target)
	}
}
