package machine

import (
	"testing"
	"time"
)

// With the defaults (the node passes none), a round of failures is retried
// after 1 minute, then 2, 4, 8, and 15 minutes from then on: the README's
// "retried after 1 minute, doubling to 15".
func TestDefaultRetryOneMinuteDoublingToFifteen(t *testing.T) {
	m := New(Config{Protocols: []string{"pcp", "natpmp"}, InternalPort: 8333})
	now := t0
	m.Start(now, nil)
	var waits []time.Duration
	for range 7 {
		m.Failed(now, errNoAnswer, nil) // pcp
		at := one(t, m.Failed(now, errNoAnswer, nil), OutWake).At
		waits = append(waits, at.Sub(now))
		now = at
		if o := one(t, m.Wake(now, nil), OutMap); o.Protocol != "pcp" {
			t.Fatalf("round after the wait starts with %q", o.Protocol)
		}
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits between rounds %v, want %v", waits, want)
		}
	}
}
