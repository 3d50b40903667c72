package node_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/node"
)

// logBuffer is a node's JSON log, read while the node writes it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger is a node logger writing JSON into b, as -logformat=json does,
// with the debug categories given (-debug=...).
func (b *logBuffer) logger(debug ...string) *zap.Logger {
	cats := &node.DebugCategories{}
	cats.Set(debug)
	return node.NewLogger("json", b, cats)
}

// lines returns the lines logged with message msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func guess(l *zap.Logger, i int) {
	l.Warn("rpc: incorrect password", zap.String("remote", "127.0.0.1:40000"), zap.Int("i", i))
}

// The node's logger lets one line of code write about 1 MiB per hour, as
// Core's, then says it drops the rest; debug lines pass.
func TestNodeLoggerRateLimitsEachSourceLine(t *testing.T) {
	var out logBuffer
	log := out.logger("net").Named(node.CategoryNode)
	const n = 20000 // about 2.4 MB of lines
	for i := range n {
		guess(log, i)
	}
	text := out.String()
	lines := strings.Count(text, "incorrect password")
	if lines == 0 || lines >= n {
		t.Fatalf("%d of %d lines written", lines, n)
	}
	if size := len(text); size > 1<<20+4096 {
		t.Fatalf("%d bytes logged, want about 1 MiB", size)
	}
	if c := strings.Count(text, "excessive logging from"); c != 1 {
		t.Fatalf("%d suppression notes, want 1", c)
	}
	netLog := out.logger("net").Named(node.CategoryNet)
	for i := range 100 {
		netLog.Debug("peer message", zap.Int("i", i))
	}
	if c := strings.Count(out.String(), "peer message"); c != 100 {
		t.Fatalf("%d of 100 debug lines written", c)
	}
}
