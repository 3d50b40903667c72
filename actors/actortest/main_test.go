package actortest_test

import (
	"fmt"
	"go/build"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/asynkron/protoactor-go/actor"
)

func TestMain(m *testing.M) { actortest.VerifyNoLeaks(m) }

// newSystem returns an actor system that logs nothing.
func newSystem(t *testing.T) *actor.ActorSystem { return actortest.NewSystem(t) }

// fakeTB records failures instead of failing the test, so the failure paths
// of expectations can be tested. Fatalf ends the calling goroutine, as the
// testing package's does: call the code under test through run.
type fakeTB struct {
	t *testing.T

	mu     sync.Mutex
	errors []string
	fatal  string
}

func newFakeTB(t *testing.T) *fakeTB { return &fakeTB{t: t} }

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.t.Cleanup(fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls fn on a goroutine of its own and returns the Fatalf message, if
// fn failed.
func (f *fakeTB) run(fn func()) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

// TestImports keeps the package usable by every actor package's tests: it
// may import no actors/* package but actors/inspect.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const actors = "github.com/actornode/actornode/actors/"
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, actors) && imp != actors+"inspect" {
			t.Errorf("imports %s", imp)
		}
	}
}
