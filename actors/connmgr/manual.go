package connmgr

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// resolveTimeout bounds one host name lookup of a manual node.
const resolveTimeout = 10 * time.Second

// resolved reports a host name lookup for manual node key.
type resolved struct {
	key  string
	addr netip.AddrPort
	err  error
}

// resolve looks host up on a goroutine of its own, which reports back with
// *resolved (a panic included).
func (c *connMgr) resolve(ctx actor.Context, key, host string, port uint16) {
	root, self, lookups := ctx.ActorSystem().Root, ctx.Self(), c.lookups
	go func() {
		var res *resolved
		defer func() {
			if p := recover(); p != nil {
				res = &resolved{key: key, err: fmt.Errorf("resolve %s: panic: %v", host, p)}
			}
			root.Send(self, res)
		}()
		res = lookup(lookups, key, host, port)
	}()
}

// lookup resolves host and returns its first address with port.
func lookup(ctx context.Context, key, host string, port uint16) *resolved {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return &resolved{key: key, err: fmt.Errorf("resolve %s: %w", host, err)}
	}
	if len(ips) == 0 {
		return &resolved{key: key, err: fmt.Errorf("resolve %s: no addresses", host)}
	}
	return &resolved{key: key, addr: netip.AddrPortFrom(ips[0].Unmap(), port)}
}
