package pcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/transport/portmap"
)

// fakeServer answers PCP requests on a loopback UDP port with answer(req);
// a nil answer stays silent.
func fakeServer(t *testing.T, answer func(req []byte) []byte) (netip.AddrPort, *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var count atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, MaxMessageSize)
		for {
			n, from, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			count.Add(1)
			if out := answer(buf[:n]); out != nil {
				_, _ = pc.WriteToUDP(out, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort(), &count
}

// grant answers a MAP request as a working gateway: external 1.2.3.4, port
// the suggested one plus bump, lifetime as asked, epoch 1000.
func grant(bump uint16) func([]byte) []byte {
	return func(req []byte) []byte {
		out := make([]byte, RequestSize)
		out[0], out[1] = Version, responseBit|OpMap
		copy(out[4:8], req[4:8])
		out[11] = 0xe8
		out[10] = 0x03
		copy(out[24:36], req[24:36]) // nonce
		out[36] = req[36]
		copy(out[40:42], req[40:42])
		port := uint16(req[42])<<8 | uint16(req[43])
		port += bump
		out[42], out[43] = byte(port>>8), byte(port)
		ext := netip.MustParseAddr("1.2.3.4").As16()
		copy(out[44:60], ext[:])
		return out
	}
}

func TestClientMapAndDelete(t *testing.T) {
	srv, count := fakeServer(t, grant(1))
	c, err := New(srv, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.MapTCP(context.Background(), 18444, netip.AddrPortFrom(netip.Addr{}, 18444), 120*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.External != netip.MustParseAddrPort("1.2.3.4:18445") || m.Lifetime != 120*time.Second ||
		m.Epoch != 1000 || !m.HasEpoch || m.Protocol != portmap.PCP || m.InternalPort != 18444 {
		t.Fatalf("mapping = %+v", m)
	}
	if err := c.DeleteTCP(context.Background(), 18444); err != nil {
		t.Fatal(err)
	}
	if got := count.Load(); got != 2 {
		t.Fatalf("server saw %d requests, want 2", got)
	}
}

func TestClientCarriesSourceAddress(t *testing.T) {
	var client atomic.Value
	srv, _ := fakeServer(t, func(req []byte) []byte {
		client.Store(netip.AddrFrom16([16]byte(req[8:24])).Unmap())
		return grant(0)(req)
	})
	c, _ := New(srv, time.Second)
	if _, err := c.MapTCP(context.Background(), 1, netip.AddrPortFrom(netip.Addr{}, 1), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := client.Load().(netip.Addr); got != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("client address field = %s, want 127.0.0.1", got)
	}
}

func TestClientNATPMPServerIsUnsupported(t *testing.T) {
	srv, _ := fakeServer(t, func([]byte) []byte { return []byte{0, 0x81, 0, 1, 0, 0, 0, 0} })
	c, _ := New(srv, time.Second)
	_, err := c.MapTCP(context.Background(), 8333, netip.AddrPort{}, time.Minute)
	var re *ResultError
	if !errors.Is(err, portmap.ErrUnsupported) || !errors.As(err, &re) || re.Version != 0 {
		t.Fatalf("err = %v, want a version-0 unsupported-version ResultError", err)
	}
}

// A silent server: the call ends at the client's timeout with ErrTimeout,
// after the tries that fit in it. The count of tries is the measure that
// the timeout was kept: ignoring it, the client would go on to maxTries.
func TestClientSilentServerTimesOutInTime(t *testing.T) {
	srv, count := fakeServer(t, func([]byte) []byte { return nil })
	c, _ := New(srv, 800*time.Millisecond)
	_, err := c.MapTCP(context.Background(), 8333, netip.AddrPort{}, time.Minute)
	if !errors.Is(err, portmap.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	// 250ms, 500ms, then the deadline: three tries, not a flood.
	if n := count.Load(); n < 2 || n > 4 {
		t.Fatalf("server saw %d tries, want a few retransmissions", n)
	}
}

// A context deadline earlier than the client's timeout ends the call: the
// tries that fit in 300 ms (at 0 and 250 ms), not the minute's.
func TestClientContextDeadlineWins(t *testing.T) {
	srv, count := fakeServer(t, func([]byte) []byte { return nil })
	c, _ := New(srv, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.MapTCP(ctx, 8333, netip.AddrPort{}, time.Minute); !errors.Is(err, portmap.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if n := count.Load(); n < 1 || n > 3 {
		t.Fatalf("server saw %d tries within a 300ms context, want 1 to 3 (a minute's timeout allows %d)", n, maxTries)
	}
}

func TestClientIgnoresOtherNonces(t *testing.T) {
	srv, _ := fakeServer(t, func(req []byte) []byte {
		out := grant(0)(req)
		out[24] ^= 0xff // another mapping's nonce
		return out
	})
	c, _ := New(srv, 600*time.Millisecond)
	if _, err := c.MapTCP(context.Background(), 8333, netip.AddrPort{}, time.Minute); !errors.Is(err, portmap.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout (the only answers were for another nonce)", err)
	}
}

func TestClientNothingListening(t *testing.T) {
	// A port nobody listens on: the kernel answers ICMP port unreachable.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	c, _ := New(addr, time.Second)
	_, err = c.MapTCP(context.Background(), 8333, netip.AddrPort{}, time.Minute)
	if !errors.Is(err, portmap.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported (nothing listens)", err)
	}
}
