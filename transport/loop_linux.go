//go:build linux && !transport_portable

package transport

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// States of a loop, guarded by loop.mu.
const (
	loopNew     = iota // no goroutine yet: the first Schedule starts it
	loopRunning        // the goroutine runs Schedule'd functions and polls
	loopDone           // the goroutine ended; Schedule runs functions on goroutines of their own
	loopBroken         // epoll or eventfd could not be opened
)

// spinBudget is how long an idle loop keeps yielding instead of blocking in
// epoll_wait while Receiveds it posted are unacknowledged. Blocking while
// the peers that will answer are runnable stalls them behind our thread on a
// busy core (measured: p99 2 ms -> 18 ms); a peer that holds a Received
// longer than this is paused or gone, and its answer wakes us anyway.
const spinBudget = time.Millisecond

// maxEvents is how many readiness events one epoll_wait returns.
const maxEvents = 256

// loop is both the io actor's dispatcher and its poll loop: the actor's
// mailbox runs on the loop's goroutine, between polls, so the actor touches
// its sockets without locks. One loop serves one spawned io actor, across its
// restarts; it ends when that actor stops.
type loop struct {
	cfg Config
	log *zap.Logger

	// mu guards fns and state. Schedule appends the mailbox's function to
	// fns and, if the loop announced it is about to block (sleeping), wakes
	// it through the eventfd.
	mu       sync.Mutex
	fns      []func()
	state    int
	openErr  error
	sleeping atomic.Bool

	// Set when the goroutine starts; closed when it ends.
	epfd, evfd int
	// epFile wraps epfd for Go's own poller, in which the loop parks its
	// goroutine (releasing its thread) instead of blocking in epoll_wait;
	// epRaw is its raw access, nil if the runtime cannot poll it.
	epFile  *os.File
	epRaw   syscall.RawConn
	pollFn  func(fd uintptr) bool // l.pollOnce, bound once so parking does not allocate
	polled  int                   // what pollOnce's epoll_wait returned
	pollErr error

	// Fields below are touched by the loop goroutine only.
	spare     []func()
	events    []unix.EpollEvent
	cur       *ioActor // the actor incarnation now running, nil between incarnations
	owner     *actor.PID
	gen       uint32    // generation of the newest socket; survives restarts so ConnIDs never repeat
	quit      bool      // set when the actor stopped: the goroutine ends after this turn
	idleSince time.Time // start of the current idle streak, zero while busy
	wakeups   uint64
}

var _ actor.Dispatcher = (*loop)(nil)

func newLoop(cfg Config) *loop {
	return &loop{cfg: cfg, log: cfg.Logger, epfd: -1, evfd: -1}
}

// Throughput is how many messages the mailbox handles before yielding the
// goroutine once (it keeps running on the loop's goroutine either way).
func (l *loop) Throughput() int { return 300 }

// Schedule runs fn, the io mailbox's processing function, on the loop
// goroutine, starting that goroutine on first use. It wakes the loop only if
// the loop said it is about to block, so wakeups coalesce. After the loop
// ended (or if it never could start) fn runs on a goroutine of its own, as
// with protoactor's default dispatcher.
func (l *loop) Schedule(fn func()) {
	l.mu.Lock()
	switch l.state {
	case loopRunning:
		l.fns = append(l.fns, fn)
		// Wake under the lock: the loop closes the eventfd only after it
		// took the lock and found fns empty.
		if l.sleeping.Load() && l.sleeping.CompareAndSwap(true, false) {
			l.wake()
		}
		l.mu.Unlock()
	case loopNew:
		if err := l.open(); err != nil {
			l.state, l.openErr = loopBroken, err
			l.mu.Unlock()
			go fn()
			return
		}
		l.state = loopRunning
		l.fns = append(l.fns, fn)
		l.mu.Unlock()
		go l.run()
	default:
		l.mu.Unlock()
		go fn()
	}
}

// open creates the epoll instance and the eventfd that wakes it.
func (l *loop) open() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("transport: epoll_create1: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return fmt.Errorf("transport: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(evfd)
		unix.Close(epfd)
		return fmt.Errorf("transport: epoll_ctl add eventfd: %w", err)
	}
	l.epfd, l.evfd = epfd, evfd
	l.events = make([]unix.EpollEvent, maxEvents)
	// Nested in the runtime's poller, the epoll descriptor becomes readable
	// when one of ours is ready: the loop then parks like any network
	// goroutine, and wakes through the same path, instead of holding its
	// thread (and, until sysmon retakes it, its P) in a blocking syscall.
	if err := unix.SetNonblock(epfd, true); err == nil {
		l.epFile = os.NewFile(uintptr(epfd), "io-epoll")
		if rc, err := l.epFile.SyscallConn(); err == nil {
			l.epRaw = rc
		}
	}
	l.pollFn = l.pollOnce
	return nil
}

// pollOnce is the loop's RawConn read function: one non-blocking poll,
// done when it found something (or failed).
func (l *loop) pollOnce(uintptr) bool {
	l.polled, l.pollErr = unix.EpollWait(l.epfd, l.events, 0)
	if l.pollErr == unix.EINTR {
		l.polled, l.pollErr = 0, nil
	}
	return l.polled > 0 || l.pollErr != nil
}

// block waits for readiness for at most timeout (negative: no bound) and
// returns the number of events in l.events.
func (l *loop) block(timeout time.Duration) (int, error) {
	if l.epRaw == nil {
		ms := -1
		if timeout >= 0 {
			ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.EpollWait(l.epfd, l.events, ms)
		if err == unix.EINTR {
			return 0, nil
		}
		return n, err
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := l.epFile.SetReadDeadline(deadline); err != nil {
		return 0, fmt.Errorf("set poll deadline: %w", err)
	}
	l.polled, l.pollErr = 0, nil
	err := l.epRaw.Read(l.pollFn)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, err
	}
	return l.polled, l.pollErr
}

// wake makes a blocked epoll_wait return. Called with mu held.
func (l *loop) wake() {
	var one = [8]byte{1}
	for {
		_, err := unix.Write(l.evfd, one[:])
		if err != unix.EINTR {
			// EAGAIN means the counter is already nonzero: the loop
			// will wake anyway.
			return
		}
	}
}

// run is the loop goroutine.
func (l *loop) run() {
	if l.cfg.LockOSThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	for l.turn() {
	}
	l.finish()
}

// finish runs the functions scheduled before the loop ended, then marks it
// done and closes its descriptors.
func (l *loop) finish() {
	for {
		l.mu.Lock()
		if len(l.fns) == 0 {
			l.state = loopDone
			l.mu.Unlock()
			break
		}
		fns := l.fns
		l.fns = nil
		l.mu.Unlock()
		for _, fn := range fns {
			fn()
		}
	}
	unix.Close(l.evfd)
	if l.epFile != nil {
		l.epFile.Close()
	} else {
		unix.Close(l.epfd)
	}
	l.evfd, l.epfd = -1, -1
}

// turn is one pass: run the mailbox, flush what it queued, poll without
// blocking and handle what is ready; when nothing is, yield once and come
// back, and block only when no peer owes an acknowledgement. It reports
// whether the loop goes on.
func (l *loop) turn() (again bool) {
	defer func() {
		if r := recover(); r != nil {
			l.panicked(r)
			again = !l.quit
		}
	}()

	ran := l.drain()
	if l.quit {
		return false
	}
	a := l.cur
	if a != nil {
		a.flush()
		a.fireTimers()
	}
	n, err := unix.EpollWait(l.epfd, l.events, 0)
	if err != nil && err != unix.EINTR {
		panic(fmt.Errorf("epoll_wait: %w", err))
	}
	if n > 0 {
		l.handle(n)
		l.idleSince = time.Time{}
		return true
	}
	if ran {
		l.idleSince = time.Time{}
		return true
	}
	now := time.Now()
	if l.idleSince.IsZero() {
		// First idle pass: yield once and poll again.
		l.idleSince = now
		runtime.Gosched()
		return true
	}
	if a != nil && a.inflight > 0 && now.Sub(l.idleSince) < spinBudget {
		runtime.Gosched()
		return true
	}
	l.sleep(a, now)
	return true
}

// drain runs the scheduled mailbox functions and reports whether there were
// any.
func (l *loop) drain() bool {
	l.mu.Lock()
	if len(l.fns) == 0 {
		l.mu.Unlock()
		return false
	}
	fns := l.fns
	l.fns = l.spare[:0]
	l.mu.Unlock()
	for i, fn := range fns {
		fns[i] = nil
		fn()
	}
	l.spare = fns[:0]
	return true
}

// sleep blocks in epoll_wait until a socket is ready, Schedule wakes it or
// the next timer is due.
func (l *loop) sleep(a *ioActor, now time.Time) {
	timeout := time.Duration(-1)
	if a != nil {
		if at, ok := a.nextTimer(); ok {
			timeout = at.Sub(now)
			if timeout <= 0 {
				return
			}
		}
	}
	l.sleeping.Store(true)
	l.mu.Lock()
	pending := len(l.fns) > 0
	l.mu.Unlock()
	if pending {
		// A Schedule that saw sleeping has already written the eventfd;
		// the next poll drains it.
		l.sleeping.CompareAndSwap(true, false)
		return
	}
	n, err := l.block(timeout)
	l.sleeping.CompareAndSwap(true, false)
	if err != nil {
		panic(fmt.Errorf("epoll_wait: %w", err))
	}
	l.idleSince = time.Time{}
	if n > 0 {
		l.handle(n)
	}
}

// handle dispatches n readiness events.
func (l *loop) handle(n int) {
	for i := range n {
		ev := l.events[i]
		if int(ev.Fd) == l.evfd {
			var buf [8]byte
			unix.Read(l.evfd, buf[:])
			l.wakeups++
			continue
		}
		if l.cur != nil {
			l.cur.event(ev)
		}
	}
}

// nextGen returns a fresh nonzero socket generation.
func (l *loop) nextGen() uint32 {
	l.gen++
	if l.gen == 0 {
		l.gen = 1
	}
	return l.gen
}

// loopFailed is what the loop posts to its actor after a panic outside the
// mailbox; the actor panics on it so that its supervisor sees the failure.
type loopFailed struct{ err error }

// panicked handles a panic of the loop's own code (polling, reading,
// writing): it logs it, closes every socket and makes the actor fail.
func (l *loop) panicked(r any) {
	err, ok := r.(error)
	if !ok {
		err = fmt.Errorf("%v", r)
	}
	err = fmt.Errorf("%w: %w", ErrLoopFailed, err)
	l.log.Error("io poll loop panicked; closing every connection",
		zap.Error(err), zap.ByteString("stack", debug.Stack()))
	a := l.cur
	if a == nil {
		return
	}
	// Queue the failure before the Closed reports go out, so that whatever
	// their receivers send in answer finds the actor restarted.
	a.root().Send(a.self, &loopFailed{err: err})
	func() {
		defer func() {
			if r := recover(); r != nil {
				l.log.Error("io: closing after panic panicked too", zap.Any("panic", r))
			}
		}()
		a.closeAll(err)
	}()
}

// errIsTemporary reports errors after which a socket call is simply retried
// later.
func errIsTemporary(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR)
}
