package peer

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/internal/timerwheel"
)

// wake is the message a waker delivers to its peer when the machine's
// wake-up time has come.
type wake struct{}

// waker arranges the peer's one pending wake-up: after Set(at), the peer
// receives *wake at (or after) at; a later Set replaces it. A wake arriving
// early or late is harmless: the peer ticks its machine and re-arms from the
// machine's NextWake. A peer uses the timer wheel of its dispatcher or
// options (wheelWaker) when there is one, else a runtime timer of its own
// (timerWaker).
type waker interface {
	// Set arms the wake-up for at; now is the peer's clock.
	Set(now, at time.Time)
	Stop()
}

// timerWaker is a waker on one runtime timer, created at the first Set and
// reset afterwards.
type timerWaker struct {
	system *actor.ActorSystem
	self   *actor.PID
	msg    *wake
	timer  *time.Timer
}

func newTimerWaker(system *actor.ActorSystem, self *actor.PID) *timerWaker {
	return &timerWaker{system: system, self: self, msg: &wake{}}
}

func (w *timerWaker) Set(now, at time.Time) {
	d := max(at.Sub(now), 0)
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
		return
	}
	w.timer.Reset(d)
}

func (w *timerWaker) fire() { w.system.Root.Send(w.self, w.msg) }

func (w *timerWaker) Stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// wheelWaker is a waker on a timer wheel shared by every peer: an idle
// peer's deadline costs a few words in a bucket and no runtime timer.
type wheelWaker struct {
	t timerwheel.Timer
}

// init binds ww (kept inside the peer, saving an allocation) to w.
func (ww *wheelWaker) init(w *timerwheel.Wheel, system *actor.ActorSystem, self *actor.PID) {
	msg := &wake{}
	ww.t.Init(w, func() { system.Root.Send(self, msg) })
}

func (w *wheelWaker) Set(now, at time.Time) { w.t.Set(at.Sub(now)) }

func (w *wheelWaker) Stop() { w.t.Stop() }

// bound reports whether init has bound the waker to a wheel.
func (w *wheelWaker) bound() bool { return w.t.Bound() }
