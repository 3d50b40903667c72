package iotest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/transport"
)

// waitFor bounds every wait of the suite: generous, for a loaded machine
// and the race detector.
const waitFor = 20 * time.Second

// rcvd is a Received as a recorder keeps it: its frames copied (their
// payloads are io's once acknowledged) and its cost against the receive
// limit.
type rcvd struct {
	conn   transport.ConnID
	frames []transport.Frame
	size   int
	cost   int
}

// recorder is a test actor that keeps, in order, every message io posts to
// it. While ack is set it acknowledges each Received at once; otherwise it
// holds them until ackHeld.
type recorder struct {
	t   *testing.T
	sys *actor.ActorSystem
	io  *actor.PID
	pid *actor.PID
	ack atomic.Bool

	mu   sync.Mutex
	msgs []any
	held []*transport.Received
	note chan struct{}
}

func newRecorder(t *testing.T, sys *actor.ActorSystem, io *actor.PID, ack bool) *recorder {
	t.Helper()
	r := &recorder{t: t, sys: sys, io: io, note: make(chan struct{}, 1)}
	r.ack.Store(ack)
	r.pid = sys.Root.Spawn(actor.PropsFromFunc(r.receive))
	t.Cleanup(func() { _ = sys.Root.StopFuture(r.pid).Wait() })
	return r
}

func (r *recorder) receive(ctx actor.Context) {
	var rec any
	switch m := ctx.Message().(type) {
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
		return
	case *transport.Received:
		g := &rcvd{conn: m.Conn, size: m.Size, cost: m.Size + transport.MessageOverhead*len(m.Frames)}
		for _, f := range m.Frames {
			g.frames = append(g.frames, transport.Frame{Command: f.Command, Payload: append([]byte{}, f.Payload...), Checksum: f.Checksum})
		}
		rec = g
		r.mu.Lock()
		ack := r.ack.Load()
		if !ack {
			r.held = append(r.held, m)
		}
		r.mu.Unlock()
		if ack {
			ctx.Send(r.io, &transport.Send{Conn: m.Conn, Ack: m})
		}
	default:
		rec = m
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, rec)
	r.mu.Unlock()
	select {
	case r.note <- struct{}{}:
	default:
	}
}

// ackHeld acknowledges every Received held so far and, with from now on
// set, every later one as it arrives.
func (r *recorder) ackHeld(fromNowOn bool) {
	r.mu.Lock()
	held := r.held
	r.held = nil
	if fromNowOn {
		r.ack.Store(true)
	}
	r.mu.Unlock()
	for _, m := range held {
		r.sys.Root.Send(r.io, &transport.Send{Conn: m.Conn, Ack: m})
	}
}

// snapshot returns the messages recorded so far, in order.
func (r *recorder) snapshot() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.msgs...)
}

// waitUntil waits until cond holds over the recorded messages, failing the
// test after waitFor.
func (r *recorder) waitUntil(what string, cond func(msgs []any) bool) []any {
	r.t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		msgs := r.snapshot()
		if cond(msgs) {
			return msgs
		}
		select {
		case <-r.note:
		case <-deadline.C:
			r.t.Fatalf("timed out after %v waiting for %s; recorded: %s", waitFor, what, describe(r.snapshot()))
			return nil
		}
	}
}

// describe lists msgs briefly, for failure messages.
func describe(msgs []any) string {
	s := ""
	for _, m := range msgs {
		switch m := m.(type) {
		case *rcvd:
			s += fmt.Sprintf(" Received{conn %d, %d frames, %d bytes}", m.conn, len(m.frames), m.size)
		default:
			s += fmt.Sprintf(" %T%+v", m, m)
		}
	}
	if s == "" {
		return "nothing"
	}
	return s
}

// first waits for the first recorded message of type T that ok accepts.
func first[T any](r *recorder, ok func(T) bool) T {
	r.t.Helper()
	var zero T
	var found T
	r.waitUntil(fmt.Sprintf("%T", zero), func(msgs []any) bool {
		for _, m := range msgs {
			if v, is := m.(T); is && (ok == nil || ok(v)) {
				found = v
				return true
			}
		}
		return false
	})
	return found
}

// count returns how many recorded messages are of type T and accepted by ok.
func count[T any](msgs []any, ok func(T) bool) int {
	n := 0
	for _, m := range msgs {
		if v, is := m.(T); is && (ok == nil || ok(v)) {
			n++
		}
	}
	return n
}

// framesOf returns the frames of the Receiveds for conn among msgs, in order.
func framesOf(msgs []any, conn transport.ConnID) []transport.Frame {
	var out []transport.Frame
	for _, m := range msgs {
		if g, ok := m.(*rcvd); ok && g.conn == conn {
			out = append(out, g.frames...)
		}
	}
	return out
}

// waitFrames waits until n frames of conn are recorded and returns them.
func (r *recorder) waitFrames(conn transport.ConnID, n int) []transport.Frame {
	r.t.Helper()
	msgs := r.waitUntil(fmt.Sprintf("%d frames on connection %d", n, conn), func(msgs []any) bool {
		return len(framesOf(msgs, conn)) >= n
	})
	frames := framesOf(msgs, conn)
	if len(frames) != n {
		r.t.Fatalf("got %d frames on connection %d, want %d", len(frames), conn, n)
	}
	return frames
}

// closedOf waits for the Closed of conn.
func (r *recorder) closedOf(conn transport.ConnID) *transport.Closed {
	r.t.Helper()
	return first(r, func(c *transport.Closed) bool { return c.Conn == conn })
}

// stats asks io for its counters, answered to this recorder.
func (r *recorder) stats() *transport.Stats {
	r.t.Helper()
	before := count[*transport.Stats](r.snapshot(), nil)
	r.sys.Root.Send(r.io, &transport.GetStats{ReplyTo: r.pid})
	msgs := r.waitUntil("Stats", func(msgs []any) bool { return count[*transport.Stats](msgs, nil) > before })
	var last *transport.Stats
	for _, m := range msgs {
		if s, ok := m.(*transport.Stats); ok {
			last = s
		}
	}
	return last
}

// statsUntil asks io for its counters until cond holds, failing the test
// after waitFor.
func (r *recorder) statsUntil(what string, cond func(*transport.Stats) bool) *transport.Stats {
	r.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		s := r.stats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out after %v waiting for stats: %s; last %+v", waitFor, what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkDeliveredThenClosed fails unless what r recorded for conn is n seq
// frames of cmd (first, first+1, ...) of size bytes, with Closed the last
// message recorded: call it once r has conn's Closed.
func (r *recorder) checkDeliveredThenClosed(t *testing.T, conn transport.ConnID, cmd string, first uint32, n, size int) {
	t.Helper()
	msgs := r.snapshot()
	frames := framesOf(msgs, conn)
	if len(frames) != n {
		t.Fatalf("%d frames delivered before Closed, want %d", len(frames), n)
	}
	checkSeq(t, frames, cmd, first, size)
	if _, last := msgs[len(msgs)-1].(*transport.Closed); !last {
		t.Fatalf("Closed is not the last message: %s", describe(msgs))
	}
}
