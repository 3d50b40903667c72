package bip324

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// coreTestFramework finds Bitcoin Core's functional-test framework: in CI
// beside the clone at ../shared/core-tf, here at /work/shared/core-tf.
func coreTestFramework(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: the interop test needs it")
	}
	for _, dir := range []string{
		filepath.Join("..", "..", "..", "shared", "core-tf"),
		"/work/shared/core-tf",
	} {
		if _, err := os.Stat(filepath.Join(dir, "test_framework", "v2_p2p.py")); err == nil {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Skip("Bitcoin Core's test framework (shared/core-tf) not found beside the repository")
	return ""
}

// pyPeer is Core's framework running testdata/v2peer.py, joined to us by
// its stdin and stdout.
type pyPeer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	chunks chan []byte // what it wrote, read by a goroutine; closed at EOF
	stderr bytes.Buffer
	waited bool
	err    error
}

// wait closes python's input and waits for it to exit.
func (p *pyPeer) wait() error {
	if !p.waited {
		p.waited = true
		p.stdin.Close()
		p.err = p.cmd.Wait()
	}
	return p.err
}

func startPy(t *testing.T, ctx context.Context, role string) *pyPeer {
	t.Helper()
	tf := coreTestFramework(t)
	p := &pyPeer{chunks: make(chan []byte, 64)}
	p.cmd = exec.CommandContext(ctx, "python3", filepath.Join("testdata", "v2peer.py"), role)
	p.cmd.Env = append(os.Environ(), "PYTHONPATH="+tf, "PYTHONDONTWRITEBYTECODE=1")
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.chunks)
		for {
			buf := make([]byte, 64*1024)
			n, err := stdout.Read(buf)
			if n > 0 {
				p.chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { p.wait() })
	return p
}

// pyEnd is our side of the connection to a pyPeer.
type pyEnd struct {
	t  *testing.T
	py *pyPeer
	s  *Session
	in []byte
	// what arrived
	msgs        []Message
	decoys      int
	established bool
}

func (e *pyEnd) write(b []byte) {
	if len(b) == 0 {
		return
	}
	if _, err := e.py.stdin.Write(b); err != nil {
		e.t.Fatalf("write to python: %v\n%s", err, e.py.stderr.String())
	}
}

// readUntil feeds what python sends to the session until done holds, or
// fails the test at ctx's deadline or at python's exit.
func (e *pyEnd) readUntil(ctx context.Context, done func() bool) {
	for !done() {
		select {
		case chunk, ok := <-e.py.chunks:
			if !ok {
				e.t.Fatalf("python ended early (%v): %s", e.py.wait(), e.py.stderr.String())
			}
			e.in = append(e.in, chunk...)
			r, err := e.s.Received(e.in, nil, nil)
			if err != nil {
				e.t.Fatalf("receive from python: %v", err)
			}
			e.write(r.Out)
			for _, m := range r.Messages {
				e.msgs = append(e.msgs, Message{Command: m.Command, Payload: bytes.Clone(m.Payload)})
			}
			e.decoys += r.Decoys
			e.established = e.established || r.Established
			e.in = append(e.in[:0], e.in[r.Used:]...)
		case <-ctx.Done():
			e.t.Fatalf("timed out: %d messages so far; python: %s", len(e.msgs), e.py.stderr.String())
		}
	}
}

// TestInteropCoreFramework runs a handshake and 300+ messages each way
// (crossing the 224-packet rekeying) against Bitcoin Core's own Python
// implementation of BIP324, with us as initiator and as responder.
func TestInteropCoreFramework(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python")
	}
	for _, weInitiate := range []bool{true, false} {
		name := "go_initiator"
		role := "responder"
		if !weInitiate {
			name, role = "go_responder", "initiator"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			py := startPy(t, ctx, role)
			garbage := []byte(strings.Repeat("garbage!", 100))
			s, err := NewSession(Config{Magic: regtestMagic, Initiator: weInitiate, Key: mustKey(t), Garbage: garbage})
			if err != nil {
				t.Fatal(err)
			}
			e := &pyEnd{t: t, py: py, s: s}
			e.write(s.Start(nil))
			e.readUntil(ctx, func() bool { return e.established && len(e.msgs) >= 1 })
			id, ok := s.SessionID()
			if e.msgs[0].Command != "sessionid" || !ok || !bytes.Equal(e.msgs[0].Payload, id[:]) {
				t.Fatalf("first message %s %x, our session id %x", e.msgs[0].Command, e.msgs[0].Payload, id)
			}

			var wire []byte
			var want []Message
			add := func(cmd, reply string, payload []byte) {
				var err error
				if wire, err = s.AppendMessage(wire, cmd, payload); err != nil {
					t.Fatal(err)
				}
				want = append(want, Message{Command: reply, Payload: payload})
			}
			for i := range 300 {
				if i%7 == 0 {
					if wire, err = s.AppendDecoy(wire, i%40); err != nil {
						t.Fatal(err)
					}
				}
				add(protocol.CmdPing, protocol.CmdPong, binary.LittleEndian.AppendUint64(nil, uint64(i)))
			}
			add(protocol.CmdVersion, protocol.CmdVersion, []byte("long message type"))
			add(protocol.CmdAddrV2, protocol.CmdAddrV2, []byte("short id 28"))
			add(protocol.CmdBlock, protocol.CmdBlock, bytes.Repeat([]byte{0x5a}, 100_000))
			add("quit", "bye", nil)
			want[len(want)-1].Payload = []byte{}
			e.write(wire)
			e.readUntil(ctx, func() bool { return len(e.msgs) >= 1+len(want) })
			checkMessagesInterop(t, e.msgs[1:], want)
			if e.decoys < 30 {
				t.Errorf("%d decoys from python, want at least 30", e.decoys)
			}
			// Python exits by itself after "bye".
			if err := py.wait(); err != nil {
				t.Fatalf("python: %v\n%s", err, py.stderr.String())
			}
		})
	}
}

func checkMessagesInterop(t *testing.T, got, want []Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	var errs []error
	for i := range want {
		if got[i].Command != want[i].Command || !bytes.Equal(got[i].Payload, want[i].Payload) {
			errs = append(errs, fmt.Errorf("message %d: %s %d bytes, want %s %d bytes", i, got[i].Command, len(got[i].Payload), want[i].Command, len(want[i].Payload)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
