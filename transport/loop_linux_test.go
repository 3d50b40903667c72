//go:build linux && !transport_portable

package transport

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"
	"golang.org/x/sys/unix"
)

// A panic in the poll loop's own code closes every connection with
// ErrLoopFailed and fails the actor; its supervisor restarts it and the new
// incarnation serves again on the same loop.
func TestLoopPanicFailsActor(t *testing.T) {
	sys := newSystem(t)
	cfg := Config{Magic: testMagic, Logger: zaptest.NewLogger(t)}.withDefaults()
	l := newLoop(cfg)
	props := actor.PropsFromProducer(func() actor.Actor { return newIOActor(l) }, actor.WithDispatcher(l))
	pid := sys.Root.Spawn(props)
	t.Cleanup(func() { sys.Root.StopFuture(pid).Wait() })
	owner := newProbe(t, sys, pid, true)
	sys.Root.Send(pid, &Listen{Addr: loopback, Owner: owner.pid})
	addr := expect[*Listening](owner).Addr
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	acc := expect[*Accepted](owner)
	peer := newProbe(t, sys, pid, true)
	sys.Root.Send(pid, &Attach{Conn: acc.Conn, Peer: peer.pid})
	owner.stats() // Attach is in

	l.Schedule(func() { panic("boom") }) // runs on the loop, outside any mailbox

	if cl := expect[*Closed](peer); cl.Conn != acc.Conn || !errors.Is(cl.Reason, ErrLoopFailed) {
		t.Fatalf("closed %+v", cl)
	}
	// Restarted: a fresh incarnation, no sockets, serving again.
	sys.Root.Send(pid, &Listen{Addr: loopback, Owner: owner.pid})
	if l2 := expect[*Listening](owner); l2.Err != nil {
		t.Fatal(l2.Err)
	}
	if s := owner.stats(); s.Listeners != 1 || s.Conns != 0 {
		t.Fatalf("stats after restart %+v", s)
	}
}

// Wakeups coalesce: a burst of messages to a sleeping loop costs few
// eventfd wakeups, not one per message.
func TestWakeupsCoalesce(t *testing.T) {
	r := newRig(t, Config{})
	for range 1000 {
		r.sys.Root.Send(r.io, &Send{Conn: 12345})
	}
	if s := r.owner.stats(); s.Stale != 1000 || s.Wakeups > 100 {
		t.Fatalf("stats %+v", s)
	}
}

// Out of descriptors, a listener rests for AcceptPause instead of spinning,
// then accepts what waited.
func TestAcceptPausesOnFDLimit(t *testing.T) {
	const pause = 300 * time.Millisecond
	sys := newSystem(t)
	cfg := Config{Magic: testMagic, AcceptPause: pause, Logger: zaptest.NewLogger(t)}.withDefaults()
	l := newLoop(cfg)
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return newIOActor(l) }, actor.WithDispatcher(l)))
	t.Cleanup(func() { sys.Root.StopFuture(pid).Wait() })
	owner := newProbe(t, sys, pid, true)
	sys.Root.Send(pid, &Listen{Addr: loopback, Owner: owner.pid})
	addr := expect[*Listening](owner).Addr

	start := time.Now()
	l.Schedule(func() { // what accept does on EMFILE
		for _, e := range l.cur.fds {
			if e.l != nil {
				l.cur.pauseAccept(e.l, unix.EMFILE)
			}
		}
	})
	owner.stats()                             // the pause is in
	nc, err := net.Dial("tcp", addr.String()) // the kernel completes it; io does not accept yet
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	expect[*Accepted](owner)
	if waited := time.Since(start); waited < pause/2 {
		t.Fatalf("accepted after %v, during the %v pause", waited, pause)
	}
}
