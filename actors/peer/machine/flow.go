package machine

// Bounds on the messages a peer has forwarded to handlers and that they
// have not finished. Past either, the peer stops processing what it
// receives until handlers catch up; io then stops reading the socket at its
// receive limit. So one peer has at most MaxInFlight messages waiting at
// the dispatcher and its handlers, and cannot starve the others that share
// them, as Core's message handler takes one message per peer in turn.
const (
	// MaxInFlight is the most messages in flight (at least one is always
	// allowed).
	MaxInFlight = 8
	// MaxInFlightCost is the most they may cost together, each counted as
	// its frame's bytes plus io's per-message overhead (the caller's
	// measure): Core's receive flood size counts them until processed; io
	// counts its part and the peer its own, each bounded.
	MaxInFlightCost = 1_000_000
)

// Flow is a peer's receive budget: it decides when the peer processes the
// frames io posted and when it holds them, and when work a handler left for
// later goes back to it. Core's ProcessMessages takes one message of a peer
// per pass, not while the peer's send buffer is full (fPauseSend), and
// serves the peer's getdata queue before it polls the next message; the
// peer does the same with batches of frames:
//
//   - A message counts as in flight from Forwarded until Done (every
//     handler finished with it, or one left the rest for later with
//     Continue); a continuation counts from the Serve that hands it out.
//   - The peer holds (Hold, Arrived false) while sending is paused
//     (SendPaused until SendResumed), while a continuation waits or is at
//     its handler, or while MaxInFlight messages or MaxInFlightCost are
//     in flight; then it stops even in the middle of a batch (Stopped),
//     and every batch it holds stays unacknowledged, so io stops reading
//     the socket at its receive limit. Batches go on in the order they
//     came, from the frame where they stopped.
//   - Continuations go back to their handlers one at a time, in order,
//     before any held batch, and only while sending is not paused.
//   - A batch is acknowledged to io when a pass over it reached its last
//     frame (the caller then says Finished for a batch Next handed out),
//     never while held. Once the connection ended (End), nothing is held:
//     the held batches go back to be acknowledged unprocessed,
//     continuations are dropped, and what arrives later is processed (the
//     machine, closed, drops it) and acknowledged at once.
//
// The caller's loop is: on a batch, process it if Arrived says so, asking
// Hold before each frame after the first and saying Stopped if it stops;
// on Done, Continue or SendResumed, carry out Next until Wait (Serve: send
// the continuation to its handler; Resume: process the batch from First,
// then Finished, or Stopped and wait).
//
// It is generic in what it keeps, so that it knows neither io nor actors:
// B is a batch of frames as io posted it, C a handler's work left for
// later, both opaque to it. It lives beside Machine rather than inside it
// because most peers never need it: the peer actor makes it at the first
// forward or pause, so an idle peer carries none of its words. Its zero
// value is ready: nothing in flight, sending not paused.
type Flow[B, C any] struct {
	// held are the batches held unacknowledged, in order; held[0] goes
	// on from frame next.
	held []B
	next int
	// later is the work left for later not yet served; serving the one at
	// its handler, when isServing.
	later     []pending[C]
	serving   C
	isServing bool
	// inFlight and cost count what was forwarded or served and not done.
	inFlight, cost int
	paused, ended  bool
}

// pending is a continuation waiting, with what it will cost in flight.
type pending[C any] struct {
	c    C
	cost int
}

// blocked reports whether the peer must not process what it received.
func (f *Flow[B, C]) blocked() bool {
	return f.paused || f.isServing || len(f.later) > 0 || f.inFlight >= MaxInFlight || f.cost >= MaxInFlightCost
}

// Arrived takes a batch io posted: it reports whether to process it now,
// from its first frame; otherwise the flow holds it (behind any batch
// already held) until Next hands it out.
func (f *Flow[B, C]) Arrived(b B) (process bool) {
	if f.ended || !f.blocked() && len(f.held) == 0 {
		return true
	}
	f.held = append(f.held, b)
	return false
}

// Hold reports whether to stop processing before the next frame of the
// batch in hand: it is asked before every frame after the first of a pass.
func (f *Flow[B, C]) Hold() bool {
	return !f.ended && f.blocked()
}

// Stopped says that the pass over b stopped (Hold) before frame at, with b
// unacknowledged: b is held first in line and goes on from frame at. b is
// the batch Arrived let through or the one Next handed out.
func (f *Flow[B, C]) Stopped(b B, at int) {
	if len(f.held) == 0 {
		f.held = append(f.held, b)
	}
	f.next = at
}

// Finished says that the batch Next handed out was processed to its end
// and acknowledged: it is no longer held.
func (f *Flow[B, C]) Finished() {
	if len(f.held) == 0 {
		return
	}
	var zero B
	f.held[0] = zero
	f.held, f.next = f.held[1:], 0
	if len(f.held) == 0 {
		f.held = nil
	}
}

// Forwarded counts a message handed to the handlers, costing cost.
func (f *Flow[B, C]) Forwarded(cost int) {
	f.inFlight++
	f.cost += cost
}

// Done says that the handlers finished with a message that cost cost: the
// continuation being served when continuation is set (see Serving), a
// forwarded message otherwise.
func (f *Flow[B, C]) Done(cost int, continuation bool) {
	f.inFlight = max(f.inFlight-1, 0)
	f.cost = max(f.cost-cost, 0)
	if continuation {
		var zero C
		f.serving, f.isServing = zero, false
	}
}

// Continue keeps c, work a handler left for later (dispatcher's Continue),
// to be served after those already waiting; it will cost cost in flight.
// Nothing is kept once the connection ended.
func (f *Flow[B, C]) Continue(c C, cost int) {
	if !f.ended {
		f.later = append(f.later, pending[C]{c: c, cost: cost})
	}
}

// Serving returns the continuation at its handler, if any.
func (f *Flow[B, C]) Serving() (C, bool) { return f.serving, f.isServing }

// SendPaused says that the remote's send queue passed the send limit.
func (f *Flow[B, C]) SendPaused() { f.paused = true }

// SendResumed says that the send queue fell below the send limit.
func (f *Flow[B, C]) SendResumed() { f.paused = false }

// Paused reports whether sending is paused.
func (f *Flow[B, C]) Paused() bool { return f.paused }

// InFlight returns the number of messages in flight.
func (f *Flow[B, C]) InFlight() int { return f.inFlight }

// HeldBatches returns the number of batches held.
func (f *Flow[B, C]) HeldBatches() int { return len(f.held) }

// Step says what the peer does next with what waits (Next).
type Step uint8

// The steps.
const (
	// Wait: nothing until another input (Done, SendResumed, Arrived).
	Wait Step = iota
	// Serve: hand Action.Cont back to its handler; it is in flight.
	Serve
	// Resume: process Action.Batch from frame Action.First, then say
	// Finished or Stopped.
	Resume
)

// Action is Next's answer.
type Action[B, C any] struct {
	Step  Step
	Batch B
	First int
	Cont  C
}

// Next returns what to do next with what waits, once an input may have
// unblocked the peer: the first continuation waiting (while sending is
// not paused and none is at its handler), else the first held batch when
// nothing holds it. The caller carries it out and asks again until Wait.
func (f *Flow[B, C]) Next() Action[B, C] {
	if f.ended || f.paused {
		return Action[B, C]{}
	}
	if !f.isServing && len(f.later) > 0 {
		p := f.later[0]
		f.later[0] = pending[C]{}
		f.later = f.later[1:]
		if len(f.later) == 0 {
			f.later = nil
		}
		f.serving, f.isServing = p.c, true
		f.Forwarded(p.cost)
		return Action[B, C]{Step: Serve, Cont: p.c}
	}
	if f.blocked() || len(f.held) == 0 {
		return Action[B, C]{}
	}
	return Action[B, C]{Step: Resume, Batch: f.held[0], First: f.next}
}

// End says that the connection ended (or the peer is stopping): it returns
// the batches held, to be acknowledged unprocessed, and drops the
// continuations. From then on nothing is held.
func (f *Flow[B, C]) End() []B {
	held := f.held
	var zero C
	f.held, f.next, f.later, f.serving, f.isServing, f.ended = nil, 0, nil, zero, false, true
	return held
}
