package logratelimit

import (
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap/zapcore"
)

const (
	// DefaultBudget is the bytes one source location may log per window,
	// Core's RATELIMIT_MAX_BYTES (1 MiB).
	DefaultBudget = 1 << 20
	// DefaultWindow is the length of the fixed window after which every
	// budget is renewed, Core's RATELIMIT_WINDOW (1 h).
	DefaultWindow = time.Hour
)

// Config tunes a limiter; the zero value is Core's.
type Config struct {
	// Budget is the bytes one source location may log per window; 0 means
	// DefaultBudget.
	Budget int
	// Window is the fixed window after which budgets are renewed; 0 means
	// DefaultWindow.
	Window time.Duration
	// Clock reads the time; nil means time.Now.
	Clock func() time.Time
	// Encoder measures a line's size; nil means a JSON encoder. Hand it
	// the encoder the wrapped core writes with to count exact bytes.
	Encoder zapcore.Encoder
}

// site is where a line comes from: file and line when known, else the
// logger's name and the message.
type site struct {
	file string
	line int
}

func (s site) String() string {
	if s.line == 0 {
		return s.file
	}
	return fmt.Sprintf("%s:%d", s.file, s.line)
}

// usage is one site's account in the current window.
type usage struct {
	used    int64 // bytes written
	over    bool  // the budget is spent: lines are dropped
	dropped int64 // bytes dropped
	lines   int64 // lines dropped
}

// limiter is the state a core and every core derived from it by With share.
type limiter struct {
	budget int64
	window time.Duration
	clock  func() time.Time
	sizer  zapcore.Encoder

	mu    sync.Mutex
	start time.Time // the current window's start
	sites map[site]*usage
}

// verdict is what to do with one line.
type verdict struct {
	write     bool   // write the line
	suppress  bool   // the site has just spent its budget: say so
	restarted []note // sites whose suppression the new window ends
}

// note is a suppressed site's tally at the end of a window.
type note struct {
	site  site
	bytes int64
	lines int64
}

// consume accounts a line of size bytes from s at now. As Core's, the line
// that spends the budget is still written, after the warning; the next
// ones are dropped until the window ends.
func (l *limiter) consume(s site, size int64, now time.Time) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	var v verdict
	if !now.Before(l.start.Add(l.window)) {
		for st, u := range l.sites {
			if u.over {
				v.restarted = append(v.restarted, note{site: st, bytes: u.dropped, lines: u.lines})
			}
		}
		clear(l.sites)
		l.start = now
	}
	u := l.sites[s]
	if u == nil {
		u = &usage{}
		l.sites[s] = u
	}
	switch {
	case u.over:
		u.dropped += size
		u.lines++
	case u.used+size > l.budget:
		u.over = true
		u.used += size
		v.write, v.suppress = true, true
	default:
		u.used += size
		v.write = true
	}
	return v
}
