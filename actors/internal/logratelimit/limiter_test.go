package logratelimit_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/internal/logratelimit"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newLogger is a logger at debug level whose lines the test observes,
// behind a limiter of budget bytes per hour.
func newLogger(budget int) (*zap.Logger, *observer.ObservedLogs, *fakeClock) {
	inner, logs := observer.New(zapcore.DebugLevel)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return zap.New(logratelimit.Wrap(inner, logratelimit.Config{Budget: budget, Window: time.Hour, Clock: clock.Now})), logs, clock
}

// Each helper logs from one source line of its own.
func wrongPassword(l *zap.Logger, i int) { l.Warn("incorrect password", zap.Int("attempt", i)) }
func otherSite(l *zap.Logger)            { l.Info("something else") }
func debugSite(l *zap.Logger, i int)     { l.Debug("a debug line", zap.Int("i", i)) }

func count(logs *observer.ObservedLogs, substr string) int {
	return logs.FilterMessageSnippet(substr).Len()
}

func TestOneSiteIsCutAfterItsBudgetWithOneNote(t *testing.T) {
	log, logs, clock := newLogger(1000)
	const n = 200
	for i := range n {
		wrongPassword(log, i)
	}
	written := count(logs, "incorrect password")
	if written == 0 || written >= 20 {
		t.Fatalf("%d of %d lines written under a 1000-byte budget", written, n)
	}
	notes := logs.FilterMessageSnippet("excessive logging from")
	if notes.Len() != 1 {
		t.Fatalf("%d suppression notes, want 1", notes.Len())
	}
	if msg := notes.All()[0].Message; !strings.Contains(msg, "limiter_test.go:") || notes.All()[0].Level != zapcore.WarnLevel {
		t.Fatalf("note %q does not name the test's line, or is not a warning", msg)
	}

	// Another location has its own budget.
	otherSite(log)
	if count(logs, "something else") != 1 {
		t.Fatal("a line from another location was dropped")
	}
	// Fields added with With do not make a fresh budget.
	wrongPassword(log.With(zap.String("remote", "127.0.0.1:1")), n)
	if got := count(logs, "incorrect password"); got != written {
		t.Fatalf("a derived logger's line from the suppressed site was written (%d, was %d)", got, written)
	}

	// Within the window nothing comes back.
	clock.Advance(59 * time.Minute)
	wrongPassword(log, n+1)
	if got := count(logs, "incorrect password"); got != written {
		t.Fatalf("line written before the window ended (%d, was %d)", got, written)
	}

	// A new window: one note says how much was dropped, the site logs again.
	clock.Advance(time.Minute)
	otherSite(log)
	restarts := logs.FilterMessageSnippet("restarting logging from")
	if restarts.Len() != 1 {
		t.Fatalf("%d restart notes, want 1", restarts.Len())
	}
	dropped := n + 2 - written // the loop, the derived logger's and the in-window line
	if msg := restarts.All()[0].Message; !strings.Contains(msg, "limiter_test.go:") || !strings.Contains(msg, " "+strconv.Itoa(dropped)+" lines") {
		t.Fatalf("restart note %q, want the site and %d lines", msg, dropped)
	}
	wrongPassword(log, n+2)
	if got := count(logs, "incorrect password"); got != written+1 {
		t.Fatalf("after the window: %d lines, want %d", got, written+1)
	}
	if count(logs, "excessive logging from") != 1 || count(logs, "restarting logging from") != 1 {
		t.Fatal("extra notes")
	}
}

func TestDebugLinesAreNeverLimited(t *testing.T) {
	log, logs, _ := newLogger(100)
	const n = 500
	for i := range n {
		debugSite(log, i)
	}
	if got := count(logs, "a debug line"); got != n {
		t.Fatalf("%d of %d debug lines written", got, n)
	}
	if count(logs, "excessive logging") != 0 {
		t.Fatal("a suppression note for debug lines")
	}
}

func TestParallelLoggersShareTheBudget(t *testing.T) {
	log, logs, _ := newLogger(2000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := log.With(zap.Int("goroutine", g))
			for i := range 100 {
				wrongPassword(l, i)
			}
		}()
	}
	wg.Wait()
	if got := count(logs, "incorrect password"); got == 0 || got >= 40 {
		t.Fatalf("%d of 800 lines written under a 2000-byte budget", got)
	}
	if count(logs, "excessive logging from") != 1 {
		t.Fatalf("%d suppression notes, want 1", count(logs, "excessive logging from"))
	}
}
