package natpmp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/transport/portmap"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		in   error
		want error
		code int
	}{
		{"no public address", errors.New("Non-zero result code 3 (Network Failure (box has no DHCP lease or external IP))"), portmap.ErrNoPublicAddress, 3},
		{"refused", errors.New("Non-zero result code 2 (Not Authorized/Refused)"), portmap.ErrRefused, 2},
		{"unsupported version", errors.New("Non-zero result code 1 (Unsupported Version)"), portmap.ErrUnsupported, 1},
		{"out of resources", errors.New("Non-zero result code 4 (Out of resources)"), portmap.ErrNoResources, 4},
		{"unknown code", errors.New("Non-zero result code 9"), portmap.ErrBadResponse, 9},
		{"timeout", errors.New("Timed out trying to contact gateway"), portmap.ErrTimeout, -1},
		{"pcp server", errors.New("unknown protocol version 2 (server responded with PCP / Port Control Protocol)"), portmap.ErrUnsupported, -1},
		{"refused socket", &net.OpError{Op: "read", Err: syscall.ECONNREFUSED}, portmap.ErrUnsupported, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.in)
			if !errors.Is(got, tt.want) {
				t.Fatalf("classify(%v) = %v, want kind %v", tt.in, got, tt.want)
			}
			var re *ResultError
			if errors.As(got, &re) != (tt.code >= 0) || (re != nil && re.Code != tt.code) {
				t.Fatalf("classify(%v) = %#v, want code %d", tt.in, got, tt.code)
			}
		})
	}
}

// A context that has already run out fails at once, before any packet.
func TestExpiredContext(t *testing.T) {
	c := New(netip.MustParseAddr("127.0.0.1"), time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := c.MapTCP(ctx, 8333, 8333, time.Minute); !errors.Is(err, portmap.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}
