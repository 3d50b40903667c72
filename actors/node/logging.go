package node

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/actornode/actornode/actors/internal/logratelimit"
)

// Log categories, like Core's -debug=<category>. A logger's category is the
// first segment of its zap name: the peer actors log as "net.peer".
const (
	CategoryNet     = "net"     // io, connmgr, peers
	CategoryAddrman = "addrman" // the address book, seeding
	CategoryMsg     = "msg"     // the dispatcher and its handlers
	CategoryNode    = "node"    // start, stop, the debug endpoint
	CategoryActor   = "actor"   // protoactor-go itself (warnings and up only)
)

// Categories lists the known log categories.
func Categories() []string {
	return []string{CategoryNet, CategoryAddrman, CategoryMsg, CategoryNode, CategoryActor}
}

// knownDebugCategory says whether c is a value -debug takes: a category of
// Categories, or "1", "all" or "*" (every one), or "0", "none" or "" (none).
func knownDebugCategory(c string) bool {
	switch c = strings.ToLower(strings.TrimSpace(c)); c {
	case "", "0", "none", "1", "all", "*":
		return true
	}
	for _, k := range Categories() {
		if c == k {
			return true
		}
	}
	return false
}

// DebugCategories is the set of categories logged at debug level. It can be
// changed while the node runs.
type DebugCategories struct {
	set atomic.Pointer[map[string]bool]
}

// Set replaces the set; "1", "all" or "*" enable every category, "0" or
// "none" none.
func (d *DebugCategories) Set(categories []string) {
	m := make(map[string]bool, len(categories))
	for _, c := range categories {
		switch c = strings.ToLower(strings.TrimSpace(c)); c {
		case "", "0", "none":
		case "1", "all", "*":
			m["*"] = true
		default:
			m[c] = true
		}
	}
	d.set.Store(&m)
}

// List returns the enabled categories.
func (d *DebugCategories) List() []string {
	m := d.set.Load()
	if m == nil {
		return nil
	}
	out := make([]string, 0, len(*m))
	for c := range *m {
		out = append(out, c)
	}
	return out
}

// any reports whether some category is on.
func (d *DebugCategories) any() bool {
	m := d.set.Load()
	return m != nil && len(*m) > 0
}

func (d *DebugCategories) enabled(loggerName string) bool {
	m := d.set.Load()
	if m == nil || len(*m) == 0 {
		return false
	}
	if (*m)["*"] {
		return true
	}
	cat, _, _ := strings.Cut(loggerName, ".")
	return (*m)[cat]
}

// categoryCore passes debug entries only for enabled categories; Info and up
// always pass.
type categoryCore struct {
	zapcore.Core
	debug *DebugCategories
}

// Enabled says whether entries at l may pass: below Info, only while some
// category is on. An accurate answer here spares every Debug call site the
// entry zap builds (with a clock read) before Check.
func (c *categoryCore) Enabled(l zapcore.Level) bool {
	if l < zapcore.InfoLevel && !c.debug.any() {
		return false
	}
	return c.Core.Enabled(l)
}

func (c *categoryCore) With(fields []zapcore.Field) zapcore.Core {
	return &categoryCore{Core: c.Core.With(fields), debug: c.debug}
}

func (c *categoryCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level < zapcore.InfoLevel && !c.debug.enabled(e.LoggerName) {
		return ce
	}
	return c.Core.Check(e, ce)
}

// NewLogger builds the node's logger: human-readable console lines or JSON,
// Info and up for every category plus Debug for the enabled ones. Lines at
// Info and up are rate-limited per source location as Core's are (1 MiB
// per hour, package logratelimit): a peer or an RPC client that makes the
// node log cannot fill the disk. Debug lines are not limited.
func NewLogger(format string, w io.Writer, debug *DebugCategories) *zap.Logger {
	if w == nil {
		w = os.Stderr
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if format == "json" {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), zapcore.DebugLevel)
	limited := logratelimit.Wrap(&categoryCore{Core: core, debug: debug}, logratelimit.Config{Encoder: enc})
	return zap.New(limited)
}

// actorSystemLogger routes protoactor-go's slog output through zap, at Warn
// and above: its Info lines (dead letters of frames for peers that just
// stopped, system start) are expected noise.
func actorSystemLogger(l *zap.Logger) *slog.Logger {
	core := l.Core()
	if warn, err := zapcore.NewIncreaseLevelCore(core, zapcore.WarnLevel); err == nil {
		core = warn
	}
	return slog.New(zapslog.NewHandler(core, zapslog.WithName(CategoryActor)))
}
