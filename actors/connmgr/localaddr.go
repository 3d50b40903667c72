package connmgr

import (
	"net/netip"
	"slices"

	"go.uber.org/zap"
)

// Scores of our own addresses' sources (Core's LOCAL_MANUAL > LOCAL_MAP >
// LOCAL_IF).
const (
	scoreInterface = 1
	scoreMapped    = 2
	scoreManual    = 3
)

func sourceScore(source string) int {
	switch source {
	case LocalManual:
		return scoreManual
	case LocalInterface:
		return scoreInterface
	}
	return scoreMapped
}

// setLocalAddr adds or updates one of our own addresses.
func (c *connMgr) setLocalAddr(msg *SetLocalAddr) {
	addr := unmapped(msg.Addr)
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		c.log.Debug("ignoring unusable local address", zap.Stringer("addr", msg.Addr), zap.String("source", msg.Source))
		return
	}
	entry := LocalAddr{Addr: addr, Source: msg.Source, Score: sourceScore(msg.Source)}
	for i, l := range c.locals {
		if l.Addr == addr {
			c.locals[i] = entry
			c.sortLocals()
			return
		}
	}
	c.locals = append(c.locals, entry)
	c.sortLocals()
	c.log.Info("own address added", zap.Stringer("addr", addr), zap.String("source", msg.Source))
}

func (c *connMgr) removeLocalAddr(msg *RemoveLocalAddr) {
	addr := unmapped(msg.Addr)
	n := len(c.locals)
	c.locals = slices.DeleteFunc(c.locals, func(l LocalAddr) bool { return l.Addr == addr })
	if len(c.locals) != n {
		c.log.Info("own address removed", zap.Stringer("addr", addr))
	}
}

// sortLocals keeps the strongest first; equal scores keep their order.
func (c *connMgr) sortLocals() {
	slices.SortStableFunc(c.locals, func(a, b LocalAddr) int { return b.Score - a.Score })
}

func (c *connMgr) localAddrList() *LocalAddrs {
	out := &LocalAddrs{List: make([]LocalAddr, len(c.locals))}
	for i, l := range c.locals {
		out.List[i] = l
		if l.Addr.Port() == 0 {
			out.List[i].Addr = netip.AddrPortFrom(l.Addr.Addr(), c.listenPort())
		}
	}
	return out
}

// listenPort is the port of the first working listener, 0 when none.
func (c *connMgr) listenPort() uint16 {
	for _, l := range c.listeners {
		if l.done && l.err == nil && l.addr.IsValid() {
			return l.addr.Port()
		}
	}
	return 0
}

// bestLocal is our strongest own address with at least score min (port 0
// filled with port), or the zero value.
func (c *connMgr) bestLocal(min int, port uint16) netip.AddrPort {
	// c.locals is sorted strongest first.
	if len(c.locals) == 0 || c.locals[0].Score < min {
		return netip.AddrPort{}
	}
	if l := c.locals[0]; l.Addr.Port() != 0 {
		return l.Addr
	}
	return netip.AddrPortFrom(c.locals[0].Addr.Addr(), port)
}
