package node_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/rpc"
)

// observedLogger logs to the test and keeps every entry for assertions.
func observedLogger(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(zapcore.NewTee(zaptest.NewLogger(t).Core(), core)), logs
}

// startNode builds and starts a node; the test stops it.
func startNode(t *testing.T, cfg node.Config, opts ...node.Option) *node.Node {
	t.Helper()
	n, err := node.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// stopWithin stops n, failing the test if that takes longer than d.
func stopWithin(t *testing.T, n *node.Node, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- n.Stop(context.Background()) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Stop did not return within %v", d)
		return nil
	}
}

// bookAfterRestart starts a node on cfg's data directory and returns
// whether addr is in its book (loaded from the file).
func bookAfterRestart(t *testing.T, cfg node.Config, addr string) bool {
	t.Helper()
	cfg.Server = false
	cfg.DebugAddr = "off"
	again := nodetest.Start(t, cfg)
	return inBook(nodetest.Book(t, again), addr)
}

// TestStopSavesDespiteHungHTTPRequests: a request that never completes on
// the RPC server (an unauthenticated POST whose body never comes) and one
// on the debug endpoint (a 60 s CPU profile) get a short grace and are cut;
// the tree still stops in order, so the address book's final save keeps an
// address learnt after the last periodic save, and the cookie is removed.
func TestStopSavesDespiteHungHTTPRequests(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	cfg.DebugAddr = "127.0.0.1:0"
	logger, logs := observedLogger(t)
	n := startNode(t, cfg, node.WithLogger(logger))
	addToBook(t, n, "1.2.3.4:18444") // the periodic save is 15 minutes away

	rpcConn, err := net.Dial("tcp", n.RPCAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer rpcConn.Close()
	auth := base64.StdEncoding.EncodeToString([]byte("__cookie__:wrong"))
	fmt.Fprintf(rpcConn, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Length: 100\r\n\r\n", auth)
	nodetest.Eventually(t, 5*time.Second, "the RPC request in its handler", func() bool {
		return logs.FilterMessageSnippet("password").Len() > 0
	})

	debugHost := strings.TrimPrefix(strings.TrimSuffix(n.DebugURL(), "/debug/"), "http://")
	debugConn, err := net.Dial("tcp", debugHost)
	if err != nil {
		t.Fatal(err)
	}
	defer debugConn.Close()
	// The endpoint answers only a Host that names it.
	fmt.Fprintf(debugConn, "GET /debug/pprof/profile?seconds=60 HTTP/1.1\r\nHost: %s\r\n\r\n", debugHost)
	nodetest.Eventually(t, 5*time.Second, "the profile request in its handler", func() bool {
		buf := make([]byte, 1<<20)
		return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "net/http/pprof.Profile")
	})

	if err := stopWithin(t, n, node.HTTPGrace+cfg.ShutdownTimeout+10*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDirOrDefault(), rpc.CookieFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cookie after stop: %v, want it removed", err)
	}
	if !bookAfterRestart(t, cfg, "1.2.3.4:18444") {
		t.Error("the address learnt before the stop is not in the saved book")
	}
}

// TestDataDirPerNetworkAndLocked: with -datadir=DIR a regtest node keeps
// its files (cookie, address book, lock) in DIR/regtest, where bitcoin-cli
// -regtest -datadir=DIR looks; a second node on it is refused with Core's
// message until the first has stopped.
func TestDataDirPerNetworkAndLocked(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	netDir := filepath.Join(cfg.DataDir, "regtest")
	if got := cfg.DataDirOrDefault(); got != netDir {
		t.Fatalf("DataDirOrDefault = %q, want %q", got, netDir)
	}
	first := startNode(t, cfg, node.WithLogger(zaptest.NewLogger(t)))
	for _, f := range []string{rpc.CookieFile, node.LockFileName} {
		if _, err := os.Stat(filepath.Join(netDir, f)); err != nil {
			t.Errorf("%s not in %s: %v", f, netDir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, rpc.CookieFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cookie in the top directory: %v", err)
	}
	if user, _, err := rpc.ReadCookie(netDir); err != nil || user != rpc.CookieUser {
		t.Errorf("ReadCookie(%s) = %q, %v", netDir, user, err)
	}

	second := cfg
	second.Bind = []string{"127.0.0.2:0"}
	second.Server = false
	n2, err := node.New(second, node.WithLogger(zaptest.NewLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = n2.Start(ctx)
	var locked *node.DataDirLockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second node on the same data directory: %v, want a lock error", err)
	}
	want := fmt.Sprintf("Cannot obtain a lock on directory %s. actornode is probably already running.", netDir)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}

	if err := stopWithin(t, first, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	nodetest.Start(t, second) // the lock went with the first node
}

// TestNetworkDirs are Core's names.
func TestNetworkDirs(t *testing.T) {
	for network, want := range map[string]string{
		"mainnet": "", "main": "", "testnet": "testnet3", "testnet3": "testnet3",
		"testnet4": "testnet4", "signet": "signet", "regtest": "regtest",
	} {
		if got := node.NetworkDir(network); got != want {
			t.Errorf("NetworkDir(%q) = %q, want %q", network, got, want)
		}
		cfg := node.DefaultConfig()
		cfg.Network, cfg.DataDir = network, "/d"
		if got := cfg.DataDirOrDefault(); got != filepath.Join("/d", want) {
			t.Errorf("%s: DataDirOrDefault = %q", network, got)
		}
	}
}

// TestFailedActorStopsTheNodeInOrder: a panic in io, connmgr, the
// dispatcher or the address book stops the whole node in order (the book
// still saved), with one Error line naming the actor and the panic, and
// Stop reports the failure.
func TestFailedActorStopsTheNodeInOrder(t *testing.T) {
	for _, name := range []string{"io", "connmgr", "dispatcher", "addrbook"} {
		t.Run(name, func(t *testing.T) {
			cfg := nodetest.Regtest(t, "127.0.0.1:0")
			cfg.MaxOutbound = 0
			logger, logs := observedLogger(t)
			n := startNode(t, cfg, node.WithLogger(logger), node.WithCrashHook())
			addToBook(t, n, "1.2.3.4:18444")
			to := map[string]*actor.PID{"io": n.IO(), "connmgr": n.ConnMgr(), "dispatcher": n.Dispatcher(), "addrbook": n.AddrBook()}[name]
			n.System().Root.Send(to, &node.Crash{})
			select {
			case <-n.Done():
			case <-time.After(15 * time.Second):
				t.Fatalf("the node did not stop within 15s after %s panicked", name)
			}
			err := stopWithin(t, n, 20*time.Second)
			var failure *node.ActorFailure
			if !errors.As(err, &failure) || failure.Actor != name || fmt.Sprint(failure.Reason) != "test crash" {
				t.Fatalf("Stop = %v, want the failure of %s", err, name)
			}
			errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
			if len(errs) != 1 {
				t.Fatalf("%d Error lines, want 1: %v", len(errs), errs)
			}
			fields := errs[0].ContextMap()
			if fields["actor"] != name || fields["panic"] != "test crash" {
				t.Errorf("Error line %q %v does not name %s and the panic", errs[0].Message, fields, name)
			}
			if !bookAfterRestart(t, cfg, "1.2.3.4:18444") {
				t.Error("the address book was not saved by the ordered stop")
			}
		})
	}
}

// TestReopenLogFile: after the log file is renamed, ReopenLogFile starts a
// new one at the path (a relative -logfile is in the data directory); it
// may run while the node stops, and does nothing after.
func TestReopenLogFile(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.LogFile = "node.log"
	n := startNode(t, cfg)
	path := filepath.Join(cfg.DataDirOrDefault(), "node.log")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := n.ReopenLogFile(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "log file reopened") {
		t.Fatalf("new log file: %v\n%s", err, data)
	}
	old, _ := os.ReadFile(path + ".1")
	if !strings.Contains(string(old), "node started") || strings.Contains(string(old), "log file reopened") {
		t.Errorf("renamed log file:\n%s", old)
	}

	reopens := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < 50 && err == nil; i++ {
			err = n.ReopenLogFile()
		}
		reopens <- err
	}()
	if err := stopWithin(t, n, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := <-reopens; err != nil {
		t.Errorf("ReopenLogFile while stopping: %v", err)
	}
	if err := n.ReopenLogFile(); err != nil {
		t.Errorf("ReopenLogFile after Stop: %v", err)
	}
}
