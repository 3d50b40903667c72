package actortest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/actornode/actornode/transport"
)

// Bounds of a TCP Remote's socket operations, so a wedged node fails the
// test instead of hanging it.
const (
	tcpDialTimeout  = 5 * time.Second
	tcpWriteTimeout = 10 * time.Second
	tcpReadChunk    = 64 << 10
)

// DialTCP connects a scripted remote node to a real node listening on addr
// (host:port on loopback, such as "127.0.0.1:18444") over TCP, for interop
// tests, and returns it with the same API as DialRemote's. A goroutine reads
// the socket, cuts frames with the transport package's deframer (a wrong
// magic or oversized length ends the connection with that error) and
// records the decoded messages; writes are bounded by a deadline. The socket
// is closed, and the reader waited for, when the test ends.
func DialTCP(t TB, addr string, magic uint32) *Remote {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, tcpDialTimeout)
	if err != nil {
		t.Fatalf("actortest: remote: dial tcp %s: %v", addr, err)
	}
	return newTCPRemote(t, c, magic, true)
}

func newTCPRemote(t TB, c net.Conn, magic uint32, outbound bool) *Remote {
	tc := &tcpConn{c: c, magic: magic, done: make(chan struct{})}
	r := newRemote(t, magic, addrPortOf(c.LocalAddr()), addrPortOf(c.RemoteAddr()), outbound, tc)
	go tc.read(r)
	t.Cleanup(func() {
		tc.close(ErrRemoteClosed)
		select {
		case <-tc.done:
		case <-time.After(stopWait):
			t.Errorf("actortest: remote %s: reader not done within %v", r.local, stopWait)
		}
	})
	return r
}

// addrPortOf is a socket address as a netip.AddrPort, IPv4 unmapped.
func addrPortOf(a net.Addr) netip.AddrPort {
	if tcp, ok := a.(*net.TCPAddr); ok {
		ap := tcp.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// tcpConn is a Remote's socket: writes from any goroutine under a mutex
// with a deadline, reads on its own goroutine.
type tcpConn struct {
	c     net.Conn
	magic uint32
	done  chan struct{}

	wmu sync.Mutex

	closeMu sync.Mutex
	// reason is why close was called, reported instead of the read error
	// the closed socket causes.
	reason error
}

func (tc *tcpConn) write(data []byte) error {
	tc.wmu.Lock()
	defer tc.wmu.Unlock()
	if err := tc.c.SetWriteDeadline(time.Now().Add(tcpWriteTimeout)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := tc.c.Write(data); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (tc *tcpConn) close(reason error) {
	tc.closeMu.Lock()
	if tc.reason == nil {
		tc.reason = reason
	}
	tc.closeMu.Unlock()
	_ = tc.c.Close() // a second close fails harmlessly
}

// closeReason is the reason given to close, if it was called.
func (tc *tcpConn) closeReason() error {
	tc.closeMu.Lock()
	defer tc.closeMu.Unlock()
	return tc.reason
}

// read is the reader goroutine: it records every frame until the socket
// ends, then closes the Remote's inbox with the reason.
func (tc *tcpConn) read(r *Remote) {
	defer close(tc.done)
	buf := make([]byte, 0, tcpReadChunk)
	for {
		if cap(buf)-len(buf) < tcpReadChunk/4 {
			buf = slices.Grow(buf, tcpReadChunk)
		}
		n, err := tc.c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		d, ferr := transport.Deframe(buf, tc.magic, nil)
		if replies := r.handle(d.Frames); len(replies) > 0 {
			if werr := tc.write(replies); werr != nil && err == nil {
				err = werr
			}
		}
		// handle copied what it kept: the consumed bytes can be reused.
		buf = append(buf[:0], buf[d.Used:]...)
		if ferr != nil {
			tc.close(ferr)
			r.box.close(ferr)
			return
		}
		if err != nil {
			if reason := tc.closeReason(); reason != nil && errors.Is(err, net.ErrClosed) {
				err = reason
			}
			tc.close(err)
			r.box.close(err)
			return
		}
	}
}
