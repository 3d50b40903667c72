package node_test

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// external is another implementation's node (btcd, bcoin) running as a
// process of the test's: its output is kept line by line, printed if the
// test fails, and the process is stopped when the test ends.
type external struct {
	name string
	mu   sync.Mutex
	log  []string
}

// lines returns the process's output lines so far that contain all of
// substrs.
func (e *external) lines(substrs ...string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, l := range e.log {
		ok := true
		for _, s := range substrs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// start runs cmd in a process group of its own, with its stdout and
// stderr kept, and waits up to 20 s for an output line containing ready.
// At the end of the test the group gets SIGTERM, then SIGKILL after 10 s.
func (e *external) start(t *testing.T, cmd *exec.Cmd, ready string) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", e.name, err)
	}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			e.mu.Lock()
			e.log = append(e.log, sc.Text())
			e.mu.Unlock()
			if strings.Contains(sc.Text(), ready) {
				once.Do(func() { close(started) })
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			for _, l := range e.lines() {
				t.Log(e.name + ": " + l)
			}
		}
	})
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not print %q within 20s", e.name, ready)
	}
}
