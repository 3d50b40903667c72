package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/rpc"
)

// runningNode is the binary started in the background.
type runningNode struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startBinary starts the node on regtest, loopback, no seeds, with its data
// in dir and its log also in dir/regtest/node.log; stdout and stderr go to
// out (nil: discarded).
func startBinary(t *testing.T, dir string, out *os.File, extra ...string) *runningNode {
	t.Helper()
	args := append([]string{"-regtest", "-datadir=" + dir, "-bind=127.0.0.1:0", "-debugaddr=off",
		"-dnsseed=0", "-fixedseeds=0", "-discover=0", "-logfile=node.log"}, extra...)
	cmd := exec.Command(binary, args...)
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runningNode{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
	})
	return r
}

func (r *runningNode) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitExit waits for the process to end and returns its exit code.
func (r *runningNode) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the node did not exit within 20s")
	}
	return r.cmd.ProcessState.ExitCode()
}

// waitLog waits until the file at path holds want (the node still
// running).
func waitLog(t *testing.T, r *runningNode, path, want string) {
	t.Helper()
	actortest.Eventually(t, 15*time.Second, "log "+filepath.Base(path)+" to say "+want, func() bool {
		if r.exited() {
			t.Fatalf("the node exited (%v) before logging %q", r.cmd.ProcessState, want)
		}
		data, _ := os.ReadFile(path)
		return strings.Contains(string(data), want)
	})
}

// TestSIGHUPReopensLogAndSIGTERMRemovesCookie: logrotate's rename and kill
// -HUP leave the node running and logging into a new file; a second node
// on the same data directory is refused with Core's message; SIGTERM stops
// the node cleanly and removes its cookie from DIR/regtest.
func TestSIGHUPReopensLogAndSIGTERMRemovesCookie(t *testing.T) {
	dir := t.TempDir()
	netDir := filepath.Join(dir, "regtest")
	logPath := filepath.Join(netDir, "node.log")
	r := startBinary(t, dir, nil, "-server", "-rpcbind=127.0.0.1:0")
	waitLog(t, r, logPath, "node started")
	if _, _, err := rpc.ReadCookie(netDir); err != nil {
		t.Fatalf("no cookie in %s: %v", netDir, err)
	}

	code, stderr := runBinary(t, "-regtest", "-datadir="+dir, "-bind=127.0.0.2:0", "-debugaddr=off",
		"-dnsseed=0", "-fixedseeds=0", "-discover=0")
	if code == 0 || !strings.Contains(stderr, "Cannot obtain a lock on directory "+netDir+". actornode is probably already running.") {
		t.Errorf("second node on the same data directory: exit %d, stderr:\n%s", code, stderr)
	}

	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, r, logPath, "log file reopened")

	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := r.waitExit(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	data, _ := os.ReadFile(logPath)
	if !strings.Contains(string(data), "node stopped") {
		t.Errorf("the reopened log has no 'node stopped':\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(netDir, rpc.CookieFile)); !os.IsNotExist(err) {
		t.Errorf("cookie after SIGTERM: %v, want it removed", err)
	}
}

// TestClosedOutputPipeDoesNotKill: with stdout and stderr a pipe nobody
// reads any more (actornode ... 2>&1 | head, after head has exited), the
// node keeps running and logging to its file, and still stops cleanly.
func TestClosedOutputPipeDoesNotKill(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "regtest", "node.log")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.Close() // every write to the pipe now fails with EPIPE
	r := startBinary(t, dir, pw, "-server", "-rpcbind=127.0.0.1:0")
	pw.Close()
	waitLog(t, r, logPath, "node started")
	// Each line now also goes to the closed pipe.
	if err := r.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, r, logPath, "log file reopened")
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := r.waitExit(t); code != 0 {
		t.Errorf("exit %v after SIGTERM, want 0", r.cmd.ProcessState)
	}
	if _, err := os.Stat(filepath.Join(dir, "regtest", rpc.CookieFile)); !os.IsNotExist(err) {
		t.Errorf("cookie after SIGTERM: %v, want it removed", err)
	}
}
