package actortest

import (
	"fmt"
	"testing"
	"time"
)

// fatalRecorder is a TB whose Fatalf records instead of ending the test.
type fatalRecorder struct {
	testing.TB
	failed string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestEventuallyWaitsForTheConditionAndFailsAfterTheTimeout(t *testing.T) {
	calls := 0
	Eventually(t, time.Second, "the third call", func() bool { calls++; return calls == 3 })
	if calls != 3 {
		t.Fatalf("cond called %d times, want 3", calls)
	}
	rec := &fatalRecorder{TB: t}
	Eventually(rec, 30*time.Millisecond, "never", func() bool { return false })
	if rec.failed == "" {
		t.Fatal("a condition that never holds did not fail the test")
	}
}
