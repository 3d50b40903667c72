package nat_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/nat"
	"github.com/actornode/actornode/transport/portmap"
)

// fakeBackend grants or refuses mappings without a network.
type fakeBackend struct {
	mu      sync.Mutex
	maps    int
	unmaps  []portmap.Mapping
	mapFunc func(n int, internal, suggest uint16) (portmap.Mapping, error)
}

func (b *fakeBackend) Map(_ context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	b.mu.Lock()
	b.maps++
	n, f := b.maps, b.mapFunc
	b.mu.Unlock()
	return f(n, internal, suggest)
}

func (b *fakeBackend) Unmap(_ context.Context, m portmap.Mapping) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unmaps = append(b.unmaps, m)
	return nil
}

func (b *fakeBackend) unmapped() []portmap.Mapping {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]portmap.Mapping(nil), b.unmaps...)
}

func refuse(err error) func(int, uint16, uint16) (portmap.Mapping, error) {
	return func(int, uint16, uint16) (portmap.Mapping, error) { return portmap.Mapping{}, err }
}

func grantPort(port uint16, lifetime time.Duration) func(int, uint16, uint16) (portmap.Mapping, error) {
	return func(n int, internal, _ uint16) (portmap.Mapping, error) {
		return portmap.Mapping{Protocol: portmap.NATPMP, Gateway: gwLANIP,
			External: netip.AddrPortFrom(publicIP, port), InternalPort: internal,
			Lifetime: lifetime, Epoch: uint32(100 + n), HasEpoch: true}, nil
	}
}

func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

// spawnNAT starts a nat actor whose connmgr is a probe, answers its
// question for the listening port with 8333, and returns both.
func spawnNAT(t *testing.T, cfg nat.Config, opts ...nat.Option) (*actor.ActorSystem, *actortest.Probe, *actor.PID) {
	t.Helper()
	system := newSystem(t)
	cm := actortest.NewProbe(t, system)
	cfg.ConnMgr = cm.PID()
	pid := cm.Spawn(nat.Props(cfg, opts...))
	if len(cfg.Protocols()) > 0 {
		q := actortest.Expect[*connmgr.GetListeners](t, cm, 2*time.Second)
		system.Root.Send(q.ReplyTo, &connmgr.Listeners{Ready: true,
			Addrs: []netip.AddrPort{netip.MustParseAddrPort("[::]:9999"), netip.MustParseAddrPort("0.0.0.0:8333")}})
	}
	return system, cm, pid
}

func status(t *testing.T, system *actor.ActorSystem, pid *actor.PID) *nat.Status {
	t.Helper()
	r, err := inspect.Ask(system.Root, pid, func(to *actor.PID) any { return &nat.GetStatus{ReplyTo: to} }, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return r.(*nat.Status)
}

func TestActorFallsBackMapsRenewsAndDeletes(t *testing.T) {
	pcpB := &fakeBackend{mapFunc: refuse(portmap.ErrTimeout)}
	pmpB := &fakeBackend{mapFunc: grantPort(8334, 2*time.Second)}
	system, cm, pid := spawnNAT(t, nat.Config{NATPMP: true},
		nat.WithBackend(portmap.PCP, pcpB), nat.WithBackend(portmap.NATPMP, pmpB))

	set := actortest.Expect[*connmgr.SetLocalAddr](t, cm, 2*time.Second)
	if set.Addr != netip.AddrPortFrom(publicIP, 8334) || set.Source != "natpmp" {
		t.Fatalf("set local %+v, want 1.2.3.4:8334 from natpmp", set)
	}
	// Lifetime 2s: renewed after 1s.
	actortest.Eventually(t, 5*time.Second, "a renewal", func() bool { return status(t, system, pid).Renewals >= 1 })
	st := status(t, system, pid)
	if st.Protocol != portmap.NATPMP || st.InternalPort != 8333 || st.Failures != 1 ||
		!strings.Contains(st.LastError, "did not answer") {
		t.Fatalf("status %+v", st)
	}

	cm.Watch(pid)
	system.Root.Send(pid, &nat.Stop{})
	rm := actortest.Expect[*connmgr.RemoveLocalAddr](t, cm, 2*time.Second)
	if rm.Addr != set.Addr {
		t.Fatalf("removed %v, want %v", rm.Addr, set.Addr)
	}
	actortest.Expect[*actor.Terminated](t, cm, 3*time.Second)
	if u := pmpB.unmapped(); len(u) != 1 || u[0].External != set.Addr || u[0].InternalPort != 8333 {
		t.Fatalf("unmapped %+v", u)
	}
}

func TestActorSurvivesBackendPanic(t *testing.T) {
	b := &fakeBackend{mapFunc: func(int, uint16, uint16) (portmap.Mapping, error) { panic("gateway library bug") }}
	system, cm, pid := spawnNAT(t, nat.Config{UPnP: true}, nat.WithBackend(portmap.UPnP, b))
	actortest.Eventually(t, 3*time.Second, "the panic recorded as a failure, the actor idle", func() bool {
		st := status(t, system, pid)
		return st.Failures == 1 && strings.Contains(st.LastError, "panic: gateway library bug") && st.State == "idle"
	})
	actortest.ExpectNone[*connmgr.SetLocalAddr](t, cm, 100*time.Millisecond)
	// Nothing held: Stop ends the actor at once.
	cm.Watch(pid)
	system.Root.Send(pid, &nat.Stop{})
	actortest.Expect[*actor.Terminated](t, cm, 2*time.Second)
	if len(b.unmapped()) != 0 {
		t.Fatal("deleted a mapping never made")
	}
}

func TestActorExternalIPIsManualLocalAddress(t *testing.T) {
	ext := netip.MustParseAddrPort("1.2.3.4:0")
	system, cm, pid := spawnNAT(t, nat.Config{ExternalIPs: []netip.AddrPort{ext}})
	set := actortest.Expect[*connmgr.SetLocalAddr](t, cm, 2*time.Second)
	if set.Addr != ext || set.Source != connmgr.LocalManual {
		t.Fatalf("set local %+v", set)
	}
	d, err := inspect.Query(system.Root, pid, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "nat" || d.Summary["state"] != "off" {
		t.Fatalf("describe %+v", d)
	}
	cm.Watch(pid)
	system.Root.Send(pid, &nat.Stop{})
	if rm := actortest.Expect[*connmgr.RemoveLocalAddr](t, cm, 2*time.Second); rm.Addr != ext {
		t.Fatalf("removed %v", rm.Addr)
	}
	actortest.Expect[*actor.Terminated](t, cm, 2*time.Second)
}

func TestActorStopDeadline(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	b := &fakeBackend{mapFunc: func(int, uint16, uint16) (portmap.Mapping, error) {
		<-block // a gateway that never answers, ignoring its context
		return portmap.Mapping{}, errors.New("unreachable")
	}}
	system, cm, pid := spawnNAT(t, nat.Config{UPnP: true, UnmapTimeout: 200 * time.Millisecond},
		nat.WithBackend(portmap.UPnP, b))
	// Wait until the request is in flight, then stop: the actor gives up
	// after its deadline instead of waiting for the gateway.
	actortest.Eventually(t, 2*time.Second, "the request in flight", func() bool {
		return status(t, system, pid).State == "requesting"
	})
	cm.Watch(pid)
	system.Root.Send(pid, &nat.Stop{})
	// The gateway call is still blocked (block closes when the test ends):
	// the actor stopped without its answer. The wait is only a failure
	// bound, far above the 200ms deadline.
	actortest.Expect[*actor.Terminated](t, cm, 20*time.Second)
}
