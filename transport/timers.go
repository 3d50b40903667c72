package transport

import (
	"container/heap"
	"time"
)

// timerKind says what a timer is for.
type timerKind uint8

const (
	timerDial   timerKind = iota + 1 // a dial's timeout: fail it if still connecting
	timerClose                       // a Close's flush deadline: close even if bytes remain
	timerAccept                      // a listener's pause after EMFILE/ENFILE: accept again
	timerStall                       // a send queue's progress check: close if nothing was written for SendTimeout
)

// timer is one deadline of io's loop. It names its socket by id, so a timer
// that outlives its socket finds nothing and does nothing.
type timer struct {
	at   time.Time
	kind timerKind
	id   ConnID
}

// timerHeap is a min-heap of timers by deadline.
type timerHeap []timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// add schedules a timer.
func (h *timerHeap) add(t timer) { heap.Push(h, t) }

// next returns the earliest deadline.
func (h timerHeap) next() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].at, true
}

// popDue removes and returns the earliest timer if it is due at now.
func (h *timerHeap) popDue(now time.Time) (timer, bool) {
	if len(*h) == 0 || (*h)[0].at.After(now) {
		return timer{}, false
	}
	return heap.Pop(h).(timer), true
}
