package timerwheel

import (
	"sync"
	"time"
)

// Defaults of New's arguments when given as zero.
const (
	// DefaultTick is the wheel's resolution: timers fire up to this late.
	DefaultTick = 100 * time.Millisecond
	// DefaultSlots is the number of buckets: with DefaultTick they span
	// 204.8 s, so a 2-minute ping interval needs no extra revolution.
	DefaultSlots = 2048
)

// Provider is implemented by whatever shares a wheel with the actors it
// hosts (a dispatcher): TimerWheel returns it, or nil for none.
type Provider interface {
	TimerWheel() *Wheel
}

// Wheel is a hashed timer wheel. It is safe for concurrent use. Close it
// when done: it stops its goroutine, and timers set afterwards never fire.
type Wheel struct {
	tick time.Duration

	mu     sync.Mutex
	slots  []*Timer // heads of the buckets' doubly linked lists
	start  time.Time
	cur    uint64 // ticks handled so far
	armed  int
	closed bool

	due  []*Timer // scratch of the goroutine, reused
	stop chan struct{}
	done chan struct{}
}

// Timer is one timer of a wheel. Embed it (or keep it) in the owner's
// struct and Init it once; its zero value is not armed and not usable.
type Timer struct {
	w    *Wheel
	fire func()
	// Fields below are guarded by w.mu.
	when       uint64 // the tick at which it fires
	slot       int    // its bucket; -1 when not armed
	prev, next *Timer
}

// New starts a wheel of slots buckets of tick each (zero values select
// DefaultTick and DefaultSlots).
func New(tick time.Duration, slots int) *Wheel {
	if tick <= 0 {
		tick = DefaultTick
	}
	if slots <= 0 {
		slots = DefaultSlots
	}
	w := &Wheel{
		tick:  tick,
		slots: make([]*Timer, slots),
		start: time.Now(),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go w.run()
	return w
}

// Tick returns the wheel's resolution.
func (w *Wheel) Tick() time.Duration { return w.tick }

// Len returns the number of armed timers.
func (w *Wheel) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.armed
}

// Close stops the wheel's goroutine and waits for it. Armed timers never
// fire; later Sets do nothing. Calling it again does nothing.
func (w *Wheel) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return
	}
	w.closed = true
	for i := range w.slots {
		for t := w.slots[i]; t != nil; {
			next := t.next
			t.prev, t.next, t.slot = nil, nil, -1
			t = next
		}
		w.slots[i] = nil
	}
	w.armed = 0
	w.mu.Unlock()
	close(w.stop)
	<-w.done
}

// Init binds t to w with the function it calls when it fires. Call it
// once, before any Set.
func (t *Timer) Init(w *Wheel, fire func()) {
	t.w, t.fire, t.slot = w, fire, -1
}

// Bound reports whether Init has bound t to a wheel.
func (t *Timer) Bound() bool { return t.w != nil }

// Set arms t to fire after d (rounded up to the wheel's tick; at least one
// tick), replacing any earlier deadline.
func (t *Timer) Set(d time.Duration) {
	w := t.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if t.slot >= 0 {
		w.unlink(t)
	}
	// The tick now in progress, plus d rounded up: never early.
	now := uint64(time.Since(w.start) / w.tick)
	ticks := uint64(1)
	if d > 0 {
		ticks = uint64((d + w.tick - 1) / w.tick)
	}
	t.when = max(now, w.cur) + ticks
	t.slot = int(t.when % uint64(len(w.slots)))
	t.prev, t.next = nil, w.slots[t.slot]
	if t.next != nil {
		t.next.prev = t
	}
	w.slots[t.slot] = t
	w.armed++
}

// Stop disarms t; it reports whether t was armed.
func (t *Timer) Stop() bool {
	w := t.w
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.slot < 0 {
		return false
	}
	w.unlink(t)
	return true
}

// unlink removes t from its bucket. Called with mu held.
func (w *Wheel) unlink(t *Timer) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		w.slots[t.slot] = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next, t.slot = nil, nil, -1
	w.armed--
}

// run is the wheel's goroutine: every tick it fires the due timers.
func (w *Wheel) run() {
	defer close(w.done)
	tk := time.NewTicker(w.tick)
	defer tk.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tk.C:
			w.advance(uint64(time.Since(w.start) / w.tick))
		}
	}
}

// advance handles every tick up to now and calls the due timers' functions
// outside the lock.
func (w *Wheel) advance(now uint64) {
	w.mu.Lock()
	due := w.due[:0]
	for w.cur < now && !w.closed {
		w.cur++
		if w.armed == 0 {
			w.cur = now
			break
		}
		slot := int(w.cur % uint64(len(w.slots)))
		for t := w.slots[slot]; t != nil; {
			next := t.next
			if t.when <= w.cur {
				w.unlink(t)
				due = append(due, t)
			}
			t = next
		}
	}
	w.mu.Unlock()
	for i, t := range due {
		t.fire()
		due[i] = nil
	}
	w.due = due[:0]
}
