package logratelimit

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Wrap returns a core that writes through inner and drops the lines of any
// source location past its budget for the rest of the window (see the
// package doc). Cores derived from it by With share its budgets.
func Wrap(inner zapcore.Core, cfg Config) zapcore.Core {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Encoder == nil {
		cfg.Encoder = zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	}
	l := &limiter{
		budget: int64(cfg.Budget), window: cfg.Window, clock: cfg.Clock, sizer: cfg.Encoder,
		start: cfg.Clock(), sites: make(map[site]*usage),
	}
	return &core{Core: inner, lim: l}
}

// core is the wrapping zapcore.Core.
type core struct {
	zapcore.Core
	lim *limiter
}

// With keeps the limiter: fields added to a logger do not renew its budget.
func (c *core) With(fields []zapcore.Field) zapcore.Core {
	return &core{Core: c.Core.With(fields), lim: c.lim}
}

// Check hands entries below Info to the inner core untouched; it takes the
// others itself, to account them in Write.
func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level < zapcore.InfoLevel {
		return c.Core.Check(e, ce)
	}
	if c.Core.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

// Write accounts the line to its source location and writes it, the
// warning that starts a suppression, or the notes of a new window.
func (c *core) Write(e zapcore.Entry, fields []zapcore.Field) error {
	if e.Level < zapcore.InfoLevel {
		return c.Core.Write(e, fields)
	}
	s := siteOf(e)
	v := c.lim.consume(s, c.lim.size(e, fields), c.lim.clock())
	for _, n := range v.restarted {
		_ = c.Core.Write(c.notice(e,
			fmt.Sprintf("restarting logging from %s: %d lines (%d bytes) were dropped during the last %v",
				n.site, n.lines, n.bytes, c.lim.window)), nil)
	}
	if v.suppress {
		_ = c.Core.Write(c.notice(e,
			fmt.Sprintf("excessive logging from %s: more than %d bytes in this window of %v; its lines are dropped until the window ends (this is its last line)",
				s, c.lim.budget, c.lim.window)), nil)
	}
	if !v.write {
		return nil
	}
	return c.Core.Write(e, fields)
}

// notice is a warning of the limiter itself, beside entry e.
func (c *core) notice(e zapcore.Entry, msg string) zapcore.Entry {
	return zapcore.Entry{Level: zapcore.WarnLevel, Time: e.Time, LoggerName: "logratelimit", Message: msg}
}

// size is the length of the line as the sizer encodes it.
func (l *limiter) size(e zapcore.Entry, fields []zapcore.Field) int64 {
	buf, err := l.sizer.EncodeEntry(e, fields)
	if err != nil {
		return int64(len(e.Message))
	}
	n := int64(buf.Len())
	buf.Free()
	return n
}

// siteOf is the entry's caller: the one zap recorded, else the first frame
// on the stack outside zap, log/slog and this package; with no stack, the
// logger's name and message.
func siteOf(e zapcore.Entry) site {
	if e.Caller.Defined {
		return site{file: e.Caller.File, line: e.Caller.Line}
	}
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !internalFrame(f.Function) {
			return site{file: f.File, line: f.Line}
		}
		if !more {
			break
		}
	}
	return site{file: e.LoggerName + ": " + e.Message}
}

// internalFrame reports whether fn belongs to the logging machinery rather
// than to the code that logged.
func internalFrame(fn string) bool {
	for _, p := range []string{"go.uber.org/zap", "log/slog.", "runtime.", thisPackage} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

const thisPackage = "github.com/actornode/actornode/actors/internal/logratelimit."
