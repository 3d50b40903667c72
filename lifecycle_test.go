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
	done chan struct{} // closed once the process has exited
}

// regtestFlags run the node on regtest, on loopback (a free port), with
// no seeds, no discovery and no debug endpoint, its data in dir.
func regtestFlags(dir string) []string {
	return []string{"-regtest", "-datadir=" + dir, "-bind=127.0.0.1:0", "-debugaddr=off",
		"-dnsseed=0", "-fixedseeds=0", "-discover=0"}
}

// startProcess starts cmd, killed when the test ends. read, if not nil,
// reads the process's output pipes: the process is waited for after it
// returns.
func startProcess(t *testing.T, cmd *exec.Cmd, read func()) *runningNode {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runningNode{cmd: cmd, done: make(chan struct{})}
	go func() {
		if read != nil {
			read()
		}
		_ = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
	})
	return r
}

// startBinary starts the node (regtestFlags) with its data in dir and its
// log also in dir/regtest/node.log; stdout and stderr go to out (nil:
// discarded).
func startBinary(t *testing.T, dir string, out *os.File, extra ...string) *runningNode {
	t.Helper()
	args := append(append(regtestFlags(dir), "-logfile=node.log"), extra...)
	cmd := exec.Command(binary, args...)
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	return startProcess(t, cmd, nil)
}

func (r *runningNode) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitExit waits for the process to end and returns its exit code; the
// deadline only bounds a hung test.
func (r *runningNode) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not exit within 30s")
	}
	return r.cmd.ProcessState.ExitCode()
}

// terminate sends sig and fails the test unless the node then exits with
// code 0.
func (r *runningNode) terminate(t *testing.T, sig os.Signal) {
	t.Helper()
	r.signal(t, sig)
	if code := r.waitExit(t); code != 0 {
		t.Errorf("exit code %d after %v, want 0", code, sig)
	}
}

// signal sends sig to the node.
func (r *runningNode) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// checkCookieRemoved fails unless netDir holds no RPC cookie.
func checkCookieRemoved(t *testing.T, netDir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(netDir, rpc.CookieFile)); !os.IsNotExist(err) {
		t.Errorf("cookie after the stop: %v, want it removed", err)
	}
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

	code, stderr := runBinary(t, append(regtestFlags(dir), "-bind=127.0.0.2:0")...)
	if code == 0 || !strings.Contains(stderr, "Cannot obtain a lock on directory "+netDir+". actornode is probably already running.") {
		t.Errorf("second node on the same data directory: exit %d, stderr:\n%s", code, stderr)
	}

	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	r.signal(t, syscall.SIGHUP)
	waitLog(t, r, logPath, "log file reopened")

	r.terminate(t, syscall.SIGTERM)
	data, _ := os.ReadFile(logPath)
	if !strings.Contains(string(data), "node stopped") {
		t.Errorf("the reopened log has no 'node stopped':\n%s", data)
	}
	checkCookieRemoved(t, netDir)
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
	r.signal(t, syscall.SIGHUP)
	waitLog(t, r, logPath, "log file reopened")
	r.terminate(t, syscall.SIGTERM)
	checkCookieRemoved(t, filepath.Join(dir, "regtest"))
}
