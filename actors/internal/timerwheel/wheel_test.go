package timerwheel

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fired records when a timer fired, in a synctest bubble's fake time.
type fired struct {
	mu    sync.Mutex
	times []time.Time
}

func (f *fired) fn() func() {
	return func() {
		f.mu.Lock()
		f.times = append(f.times, time.Now())
		f.mu.Unlock()
	}
}

func (f *fired) get() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.times...)
}

func TestFiresOnceAfterDeadlineWithinATick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(100*time.Millisecond, 16)
		defer w.Close()
		var f fired
		var tm Timer
		tm.Init(w, f.fn())
		start := time.Now()
		// 5 s is more than one revolution of 16 slots (1.6 s).
		tm.Set(5 * time.Second)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		got := f.get()
		if len(got) != 1 {
			t.Fatalf("fired %d times, want 1", len(got))
		}
		if d := got[0].Sub(start); d < 5*time.Second || d > 5*time.Second+2*w.Tick() {
			t.Fatalf("fired after %v, want 5s plus at most two ticks", d)
		}
		if w.Len() != 0 {
			t.Fatalf("%d timers armed after firing", w.Len())
		}
	})
}

func TestResetReplacesAndStopDisarms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(0, 0)
		defer w.Close()
		var f1, f2 fired
		var a, b Timer
		a.Init(w, f1.fn())
		b.Init(w, f2.fn())
		start := time.Now()
		a.Set(time.Second)
		a.Set(3 * time.Second) // replaces
		b.Set(time.Second)
		if !b.Stop() || b.Stop() {
			t.Fatal("Stop should report armed once")
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got := f1.get(); len(got) != 1 || got[0].Sub(start) < 3*time.Second {
			t.Fatalf("a fired at %v, want once after 3s", got)
		}
		if got := f2.get(); len(got) != 0 {
			t.Fatalf("stopped timer fired %d times", len(got))
		}
	})
}

func TestManyTimersEachFireOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(10*time.Millisecond, 64)
		defer w.Close()
		const n = 10_000
		var count atomic.Int64
		timers := make([]Timer, n)
		for i := range timers {
			timers[i].Init(w, func() { count.Add(1) })
			timers[i].Set(time.Duration(i%1000) * time.Millisecond)
		}
		if w.Len() != n {
			t.Fatalf("armed %d, want %d", w.Len(), n)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if c := count.Load(); c != n {
			t.Fatalf("fired %d, want %d", c, n)
		}
	})
}

func TestCloseStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(10*time.Millisecond, 8)
		var f fired
		var tm Timer
		tm.Init(w, f.fn())
		tm.Set(time.Second)
		w.Close()
		w.Close()
		tm.Set(time.Millisecond) // ignored
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if len(f.get()) != 0 {
			t.Fatal("fired after Close")
		}
	})
}

func TestSetDoesNotAllocate(t *testing.T) {
	w := New(time.Second, 0)
	defer w.Close()
	var tm Timer
	tm.Init(w, func() {})
	allocs := testing.AllocsPerRun(1000, func() {
		tm.Set(time.Minute)
		tm.Stop()
	})
	if allocs != 0 {
		t.Fatalf("Set+Stop allocate %v times", allocs)
	}
}

func BenchmarkSet(b *testing.B) {
	w := New(0, 0)
	defer w.Close()
	timers := make([]Timer, 1024)
	for i := range timers {
		timers[i].Init(w, func() {})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		timers[i%len(timers)].Set(2 * time.Minute)
	}
}
