package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	errConnReset   = syscall.ECONNRESET
	errConnRefused = syscall.ECONNREFUSED
)

// HandshakeResult is the outcome of Handshake.
type HandshakeResult struct {
	Up, Failed int
	// Fails counts the failures by kind (eof, timeout, reset, refused,
	// other).
	Fails map[string]int
	// PerSecond is successful handshakes per second, from the first dial
	// to the last handshake done.
	PerSecond float64
	// P50 and P99 are the connect-to-handshaken latencies.
	P50, P99 time.Duration
}

// Handshake opens n connections to t, conc at a time, each done when the
// target's version and verack arrived; established connections stay open
// (answering pings) until all are done, then close.
func Handshake(ctx context.Context, t Target, n, conc int) HandshakeResult {
	res := HandshakeResult{Fails: map[string]int{}}
	var (
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, n)
		conns = make([]*Conn, 0, n)
		last  time.Time
		next  atomic.Int64
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				c, err := Dial(t, i)
				done := time.Now()
				mu.Lock()
				if err != nil {
					res.Failed++
					res.Fails[failKind(err)]++
				} else {
					res.Up++
					lat = append(lat, done.Sub(t0))
					conns = append(conns, c)
					last = done
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	if res.Up > 0 {
		res.PerSecond = float64(res.Up) / last.Sub(start).Seconds()
		res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	}
	return res
}

// PingResult is the outcome of Ping.
type PingResult struct {
	Up, Dropped int
	// PerSecond is pongs received per second over the measured window.
	PerSecond float64
	// P50 and P99 are the round trips of the measured window.
	P50, P99 time.Duration
}

// Ping handshakes n peers, then each keeps depth pings in flight, a pong
// triggering the next ping; after warmup it counts the pongs of d.
func Ping(ctx context.Context, t Target, n, depth int, warmup, d time.Duration) (PingResult, error) {
	var res PingResult
	conns := make([]*Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := Dial(t, i)
		if err != nil {
			return res, fmt.Errorf("ping: peer %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	res.Up = n
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		mu        sync.Mutex
		rtts      []time.Duration
		pongs     atomic.Int64
		dropped   atomic.Int64
	)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			sent := make(map[uint64]time.Time, depth)
			local := make([]time.Duration, 0, 4096)
			defer func() {
				mu.Lock()
				rtts = append(rtts, local...)
				mu.Unlock()
			}()
			for range depth {
				nonce := rand.Uint64() | 1
				sent[nonce] = time.Now()
				if err := c.SendPing(nonce); err != nil {
					dropped.Add(1)
					return
				}
			}
			for !stop.Load() {
				c.SetDeadline(time.Now().Add(15 * time.Second))
				cmd, payload, err := c.Next()
				if err != nil {
					if !stop.Load() {
						dropped.Add(1)
					}
					return
				}
				if cmd != "pong" || len(payload) != 8 {
					continue
				}
				nonce := leUint64(payload)
				at, ok := sent[nonce]
				if !ok {
					continue
				}
				delete(sent, nonce)
				now := time.Now()
				if measuring.Load() {
					pongs.Add(1)
					if len(local) < cap(local) {
						local = append(local, now.Sub(at))
					}
				}
				nonce = rand.Uint64() | 1
				sent[nonce] = now
				if err := c.SendPing(nonce); err != nil {
					if !stop.Load() {
						dropped.Add(1)
					}
					return
				}
			}
		})
	}
	sleepCtx(ctx, warmup)
	measuring.Store(true)
	t0 := time.Now()
	sleepCtx(ctx, d)
	measuring.Store(false)
	elapsed := time.Since(t0)
	count := pongs.Load()
	stop.Store(true)
	for _, c := range conns {
		c.SetDeadline(time.Now())
	}
	wg.Wait()
	res.Dropped = int(dropped.Load())
	res.PerSecond = float64(count) / elapsed.Seconds()
	res.P50, res.P99 = percentile(rtts, 0.50), percentile(rtts, 0.99)
	return res, nil
}

// IdleResult is the outcome of Idle.
type IdleResult struct {
	Up, Dropped int
	// RSSPerPeerKiB is the target's resident memory growth per peer, after
	// the hold.
	RSSPerPeerKiB float64
	// CPUPercent is the target's CPU use during the hold, 100 = one core.
	CPUPercent float64
}

// Idle connects n peers, conc at a time, holds them for hold answering
// the target's pings, and measures the target process pid.
func Idle(ctx context.Context, t Target, pid, n, conc int, hold time.Duration) (IdleResult, error) {
	var res IdleResult
	before, err := readRSS(pid)
	if err != nil {
		return res, err
	}
	conns := make([]*Conn, n)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := Dial(t, i)
				if err != nil {
					failed.Add(1)
					continue
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var dropped atomic.Int64
	var ending atomic.Bool
	for _, c := range conns {
		if c == nil {
			continue
		}
		res.Up++
		wg.Go(func() {
			for {
				if _, _, err := c.Next(); err != nil {
					if !ending.Load() {
						dropped.Add(1)
					}
					return
				}
			}
		})
	}
	cpu0, err := readCPU(pid)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	sleepCtx(ctx, hold)
	cpu1, err := readCPU(pid)
	if err != nil {
		return res, err
	}
	elapsed := time.Since(t0)
	after, err := readRSS(pid)
	if err != nil {
		return res, err
	}
	ending.Store(true)
	for _, c := range conns {
		if c != nil {
			c.SetDeadline(time.Now())
		}
	}
	wg.Wait()
	res.Dropped = int(dropped.Load())
	if res.Up > 0 {
		res.RSSPerPeerKiB = float64(after-before) / float64(res.Up)
	}
	res.CPUPercent = 100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func leUint64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

// readRSS returns VmRSS of process pid in KiB.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("read rss of %d: no VmRSS", pid)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// readCPU returns the user+system CPU time of process pid.
func readCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read cpu: %w", err)
	}
	s := string(b)
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("read cpu of %d: malformed stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read cpu of %d: short stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read cpu of %d: bad times", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
