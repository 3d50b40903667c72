package node_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/node"
)

// syncBuffer is a bytes.Buffer safe for the logger's writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func guess(l *zap.Logger, i int) {
	l.Warn("rpc: incorrect password", zap.String("remote", "127.0.0.1:40000"), zap.Int("i", i))
}

// The node's logger lets one line of code write about 1 MiB per hour, as
// Core's, then says it drops the rest; debug lines pass.
func TestNodeLoggerRateLimitsEachSourceLine(t *testing.T) {
	var out syncBuffer
	debug := &node.DebugCategories{}
	debug.Set([]string{"net"})
	log := node.NewLogger("json", &out, debug).Named(node.CategoryNode)
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
	netLog := node.NewLogger("json", &out, debug).Named(node.CategoryNet)
	for i := range 100 {
		netLog.Debug("peer message", zap.Int("i", i))
	}
	if c := strings.Count(out.String(), "peer message"); c != 100 {
		t.Fatalf("%d of 100 debug lines written", c)
	}
}
