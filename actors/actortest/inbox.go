package actortest

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// inbox is the record behind a Probe and a Remote: everything that arrived,
// in order, and the part of it no expectation has consumed yet. Producers
// (an actor's goroutine, a socket reader) put; the test goroutine takes,
// waiting with a deadline. It is safe for concurrent use.
type inbox struct {
	mu sync.Mutex
	// wake is closed and replaced whenever something changes, so waiters
	// re-check without polling.
	wake chan struct{}
	// pending holds what arrived and was not consumed, oldest first.
	pending []any
	// all holds everything that ever arrived, oldest first.
	all []any
	// closed, once set, is why no more items will arrive (for a Remote:
	// the connection ended); closedSet tells a nil reason from none.
	closed    error
	closedSet bool
}

func newInbox() *inbox {
	return &inbox{wake: make(chan struct{})}
}

// put appends v and wakes the waiters.
func (b *inbox) put(v any) {
	b.mu.Lock()
	b.pending = append(b.pending, v)
	b.all = append(b.all, v)
	b.signalLocked()
	b.mu.Unlock()
}

// record appends v to the full record only: it was handled on arrival and
// is not pending for expectations.
func (b *inbox) record(v any) {
	b.mu.Lock()
	b.all = append(b.all, v)
	b.mu.Unlock()
}

// close records that nothing more will arrive, and why. Only the first call
// counts.
func (b *inbox) close(reason error) {
	b.mu.Lock()
	if !b.closedSet {
		b.closed, b.closedSet = reason, true
		b.signalLocked()
	}
	b.mu.Unlock()
}

func (b *inbox) signalLocked() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// closedReason reports whether close was called, and with what.
func (b *inbox) closedReason() (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closedSet, b.closed
}

// take removes and returns the oldest pending item that match accepts,
// waiting up to timeout for one to arrive. Items it passes over stay pending
// in their order. It gives up early, returning false, once the inbox is
// closed and no pending item matches.
func (b *inbox) take(match func(any) bool, timeout time.Duration) (any, bool) {
	v, _, ok := b.takeAfter(match, func(any) bool { return false }, timeout)
	return v, ok
}

// takeAfter is take that also removes and returns, in order, the pending
// items before the one taken that before accepts.
func (b *inbox) takeAfter(match, before func(any) bool, timeout time.Duration) (any, []any, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		b.mu.Lock()
		for i, v := range b.pending {
			if !match(v) {
				continue
			}
			var taken []any
			kept := b.pending[:0:0]
			for _, w := range b.pending[:i] {
				if before(w) {
					taken = append(taken, w)
				} else {
					kept = append(kept, w)
				}
			}
			b.pending = append(kept, b.pending[i+1:]...)
			b.mu.Unlock()
			return v, taken, true
		}
		wake, closed := b.wake, b.closedSet
		b.mu.Unlock()
		if closed {
			return nil, nil, false
		}
		select {
		case <-wake:
		case <-timer.C:
			return nil, nil, false
		}
	}
}

// waitNone waits for d and reports the first pending item that match
// accepts, if any arrives (or was already pending) in that time. It consumes
// nothing.
func (b *inbox) waitNone(match func(any) bool, d time.Duration) (any, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		b.mu.Lock()
		for _, v := range b.pending {
			if match(v) {
				b.mu.Unlock()
				return v, true
			}
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-timer.C:
			return nil, false
		}
	}
}

// waitClosed waits up to timeout for close, returning its reason.
func (b *inbox) waitClosed(timeout time.Duration) (bool, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		b.mu.Lock()
		wake, reason, closed := b.wake, b.closed, b.closedSet
		b.mu.Unlock()
		if closed {
			return true, reason
		}
		select {
		case <-wake:
		case <-timer.C:
			return false, nil
		}
	}
}

// snapshot returns copies of the pending and the full record.
func (b *inbox) snapshot() (pending, all []any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]any(nil), b.pending...), append([]any(nil), b.all...)
}

// Limits on how much of the record a failure message shows.
const (
	describeMaxItems = 16
	describeMaxChars = 200
)

// describe says what the inbox holds, for a failure message: the pending
// items (type and value, each cut short), how many were consumed before,
// and whether it is closed.
func (b *inbox) describe() string {
	pending, all := b.snapshot()
	closed, reason := b.closedReason()
	var s strings.Builder
	switch len(pending) {
	case 0:
		s.WriteString("nothing else pending")
	default:
		fmt.Fprintf(&s, "%d pending instead:", len(pending))
		for i, v := range pending {
			if i == describeMaxItems {
				fmt.Fprintf(&s, "\n\t... and %d more", len(pending)-i)
				break
			}
			fmt.Fprintf(&s, "\n\t%d: %s", i, describeValue(v))
		}
	}
	if consumed := len(all) - len(pending); consumed > 0 {
		fmt.Fprintf(&s, "\n\t(%d consumed earlier)", consumed)
	}
	if closed {
		fmt.Fprintf(&s, "\n\t(closed: %v)", reason)
	}
	return s.String()
}

// describeValue formats one recorded item as "type value", cut short.
func describeValue(v any) string {
	if d, ok := v.(interface{ describe() string }); ok {
		return d.describe()
	}
	text := fmt.Sprintf("%T %+v", v, v)
	if len(text) > describeMaxChars {
		text = text[:describeMaxChars] + "..."
	}
	return text
}
