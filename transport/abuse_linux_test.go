//go:build linux && !transport_portable

package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"
)

// fdLimitChildEnv marks the re-executed test process of
// TestAcceptPausesAtFDLimit.
const fdLimitChildEnv = "TRANSPORT_FDLIMIT_CHILD"

// fdLimit is the open-file limit the child process runs under.
const fdLimit = 64

// TestAcceptPausesAtFDLimit runs io in a child process whose RLIMIT_NOFILE
// is 64 and connects more clients than that to it: io accepts until
// accept(2) fails with EMFILE, pauses the listener instead of spinning,
// logs the condition once per AcceptLogInterval, and accepts the waiting
// clients once connections close and free descriptors.
func TestAcceptPausesAtFDLimit(t *testing.T) {
	if os.Getenv(fdLimitChildEnv) != "" {
		fdLimitChild(t)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestAcceptPausesAtFDLimit$", "-test.v")
	cmd.Env = append(os.Environ(), fdLimitChildEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var out bytes.Buffer
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if a, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTENING "); ok {
				addr <- a
			}
		}
		done <- cmd.Wait()
	}()
	var target string
	select {
	case target = <-addr:
	case err := <-done:
		t.Fatalf("child ended before listening: %v\n%s%s", err, out.String(), stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not listen")
	}
	// Twice the child's limit: the kernel completes every connection into
	// the listen backlog whether or not the child can accept it.
	var clients []net.Conn
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range 2 * fdLimit {
		c, err := net.DialTimeout("tcp", target, waitFor)
		if err != nil {
			t.Fatalf("dial %s: %v", target, err)
		}
		clients = append(clients, c)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child failed: %v\n%s%s", err, out.String(), stderr.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("child did not finish\n%s", out.String())
	}
	if !strings.Contains(out.String(), "REACCEPTED") {
		t.Fatalf("child did not report accepting again:\n%s", out.String())
	}
}

// fdLimitChild is the child process's side of TestAcceptPausesAtFDLimit.
func fdLimitChild(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = fdLimit
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.WarnLevel)
	sys := newSystem(t)
	io := spawnIO(t, sys, Config{Magic: testMagic, AcceptPause: 20 * time.Millisecond, Logger: zap.New(core)})
	owner := newProbe(t, sys, io, true)
	sys.Root.Send(io, &Listen{Addr: loopback, Owner: owner.pid})
	l := expect[*Listening](owner)
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	start := time.Now()
	fmt.Printf("LISTENING %s\n", l.Addr)

	// Wait (bounded) until the listener has paused a few times: every
	// descriptor is in use.
	var s *Stats
	for range 2000 {
		s = owner.stats()
		if s.AcceptPauses >= 5 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.AcceptPauses < 5 {
		t.Fatalf("listener never paused: %+v", s)
	}
	full := s.Accepted
	if full == 0 || full >= 2*fdLimit {
		t.Fatalf("accepted %d connections under a limit of %d descriptors", full, fdLimit)
	}
	// Logged once per AcceptLogInterval, not once per pause.
	lines := logs.FilterMessageSnippet("accept failed").Len()
	if allowed := 1 + int(time.Since(start)/AcceptLogInterval); lines < 1 || lines > allowed {
		t.Fatalf("%d log lines for %d pauses in %v, want 1..%d", lines, s.AcceptPauses, time.Since(start), allowed)
	}
	fmt.Printf("PAUSED accepted=%d pauses=%d log_lines=%d\n", full, s.AcceptPauses, lines)

	// Close some accepted connections: the freed descriptors let io accept
	// the clients still waiting in the backlog.
	const freed = 10
	for range freed {
		acc := expect[*Accepted](owner)
		sys.Root.Send(io, &Close{Conn: acc.Conn})
	}
	for range 4000 {
		s = owner.stats()
		if s.Accepted >= full+freed/2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.Accepted < full+freed/2 {
		t.Fatalf("no accepts after freeing %d descriptors: %+v", freed, s)
	}
	fmt.Printf("REACCEPTED accepted=%d\n", s.Accepted)
}

// TestSendTimeoutClosesStalledConnection: a remote that never reads fills
// its socket buffers; io keeps what is queued, pauses the peer at the send
// limit and, once nothing has been written for SendTimeout, closes the
// connection with ErrSendTimeout. Another connection is served meanwhile.
func TestSendTimeoutClosesStalledConnection(t *testing.T) {
	const limit = 100_000
	r := newRig(t, Config{SendLimit: limit, SendTimeout: 300 * time.Millisecond})
	_, c, p := r.acceptWith(&net.Dialer{Timeout: waitFor, Control: smallRcvBuf}, true)
	other, oc, op := r.acceptPlain(true)
	chunk := frame("block", bytes.Repeat([]byte{0x5a}, 500_000))
	for range 20 {
		r.send(c, append([]byte{}, chunk...))
	}
	expectWhere(p, func(m *SendPaused) bool { return m.Conn == c })

	// The other connection goes on both ways while the first is stuck.
	ping := frame("ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	for i := range 3 {
		if _, err := other.Write(ping); err != nil {
			t.Fatal(err)
		}
		expectFrames(op, oc, 1)
		r.send(oc, append([]byte{}, ping...))
		if got := readFull(t, other, len(ping)); !bytes.Equal(got, ping) {
			t.Fatalf("round %d: got %x", i, got)
		}
	}

	closed := expectWhere(p, func(m *Closed) bool { return m.Conn == c })
	if !errors.Is(closed.Reason, ErrSendTimeout) {
		t.Fatalf("closed for %v, want ErrSendTimeout", closed.Reason)
	}
	if s := r.owner.stats(); s.SendTimeouts != 1 || s.Conns != 1 || s.SendsPaused != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestSlowReaderNotTimedOut: a remote that reads slowly but steadily keeps
// its connection however long the queue stays non-empty.
func TestSlowReaderNotTimedOut(t *testing.T) {
	r := newRig(t, Config{SendTimeout: 2 * time.Second})
	nc, c, _ := r.acceptWith(&net.Dialer{Timeout: waitFor, Control: smallRcvBuf}, true)
	chunk := frame("block", bytes.Repeat([]byte{0x33}, 200_000))
	const chunks = 10
	for range chunks {
		r.send(c, append([]byte{}, chunk...))
	}
	// Read in small bites with pauses shorter than the timeout.
	total := chunks * len(chunk)
	buf := make([]byte, 16<<10)
	for got := 0; got < total; {
		nc.SetReadDeadline(time.Now().Add(waitFor))
		n, err := nc.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", got, total, err)
		}
		got += n
		time.Sleep(time.Millisecond)
	}
	if s := r.owner.stats(); s.SendTimeouts != 0 || s.Conns != 1 || s.BytesQueued != 0 {
		t.Fatalf("stats %+v", s)
	}
}
