//go:build !linux

package transport

import (
	"net/netip"
	"syscall"
	"testing"
)

func fullListener(t *testing.T) netip.AddrPort {
	t.Skip("needs a listen backlog of zero (Linux)")
	return netip.AddrPort{}
}

func smallRcvBuf(_, _ string, rc syscall.RawConn) error { return nil }
