package connmgr

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/transport"
)

// Errors of the operator commands, in Core's words.
var (
	// ErrNodeAdded: addnode add of a node already in the list.
	ErrNodeAdded = errors.New("node already added")
	// ErrNodeNotAdded: addnode remove of a node not in the list.
	ErrNodeNotAdded = errors.New("node has not been added")
	// ErrNodeNotFound: disconnectnode of a peer that is not connected.
	ErrNodeNotFound = errors.New("node not found in connected nodes")
	// ErrUnknownCommand: addnode with a command other than add, remove,
	// onetry.
	ErrUnknownCommand = errors.New("unknown addnode command")
)

// addManual adds a node to keep connected; it is dialled on the next tick.
func (c *connMgr) addManual(name string, oneTry bool, now time.Time) *manualNode {
	key := name
	if oneTry {
		key = "onetry#" + strconv.FormatUint(c.nextKey, 10)
		c.nextKey++
	}
	m := &manualNode{key: key, name: name, oneTry: oneTry, next: now}
	c.manual[key] = m
	return m
}

// tryManual starts an attempt for m: a lookup when its name is a host name,
// else a dial (unless the address is already connected or banned).
func (c *connMgr) tryManual(ctx actor.Context, m *manualNode, now time.Time) {
	ap, host, port, err := parseNode(m.name, c.cfg.Network.DefaultPort)
	if err != nil {
		c.log.Warn("bad node address", zap.String("node", m.name), zap.Error(err))
		delete(c.manual, m.key)
		return
	}
	if host != "" {
		m.state = manualResolving
		root, self, lookups, key := ctx.ActorSystem().Root, ctx.Self(), c.lookups, m.key
		go func() {
			var res *resolved
			defer func() {
				if p := recover(); p != nil {
					res = &resolved{key: key, err: fmt.Errorf("resolve %s: panic: %v", host, p)}
				}
				root.Send(self, res)
			}()
			res = resolve(lookups, key, host, port)
		}()
		return
	}
	c.dialManual(ctx, m, ap, now)
}

func (c *connMgr) resolved(ctx actor.Context, msg *resolved) {
	m := c.manual[msg.key]
	if m == nil || m.state != manualResolving || c.stopped {
		return
	}
	now := c.now()
	if msg.err != nil {
		c.log.Warn("cannot resolve node", zap.String("node", m.name), zap.Error(msg.err))
		c.manualFailed(m.key, now)
		return
	}
	c.dialManual(ctx, m, msg.addr, now)
}

// dialManual dials m at addr, unless a connection to addr exists already
// (it then counts as connected: Core's addnode checks the same) or addr is
// banned.
func (c *connMgr) dialManual(ctx actor.Context, m *manualNode, addr netip.AddrPort, now time.Time) {
	m.addr = addr
	if c.busy(addr) {
		m.state = manualIdle
		m.next = now.Add(manualRetryMin)
		return
	}
	if c.bans.banned(addr.Addr(), now) {
		c.log.Info("not dialling banned node", zap.String("node", m.name), zap.Stringer("addr", addr))
		c.manualFailed(m.key, now)
		return
	}
	m.state = manualDialing
	connType := ConnManual
	if m.addrFetch {
		connType = ConnAddrFetch
	}
	c.dial(ctx, addr, connType, m.key)
}

// manualFailed schedules the next attempt of manual node key after a
// failure or a disconnection; a onetry node is forgotten instead.
func (c *connMgr) manualFailed(key string, now time.Time) {
	m := c.manual[key]
	if m == nil {
		return
	}
	if m.oneTry {
		delete(c.manual, key)
		return
	}
	m.failed(now)
}

func (c *connMgr) addNode(ctx actor.Context, msg *AddNode) {
	var err error
	switch msg.Command {
	case AddNodeAdd:
		if c.findManual(msg.Addr) != nil {
			err = ErrNodeAdded
			break
		}
		if _, _, _, err = parseNode(msg.Addr, c.cfg.Network.DefaultPort); err != nil {
			break
		}
		c.addManual(msg.Addr, false, c.now())
		c.log.Info("added node", zap.String("node", msg.Addr))
	case AddNodeRemove:
		m := c.findManual(msg.Addr)
		if m == nil {
			err = ErrNodeNotAdded
			break
		}
		// Like Core, removing does not disconnect: the connection, if any,
		// just is not kept up any more.
		delete(c.manual, m.key)
		c.log.Info("removed node", zap.String("node", msg.Addr))
	case AddNodeOneTry:
		if _, _, _, err = parseNode(msg.Addr, c.cfg.Network.DefaultPort); err != nil {
			break
		}
		now := c.now()
		c.tryManual(ctx, c.addManual(msg.Addr, true, now), now)
	default:
		err = fmt.Errorf("%w %q", ErrUnknownCommand, msg.Command)
	}
	if err != nil {
		c.log.Debug("addnode refused", zap.String("node", msg.Addr), zap.String("command", msg.Command), zap.Error(err))
	}
	if msg.ReplyTo != nil {
		ctx.Send(msg.ReplyTo, &AddNodeReply{Err: err})
	}
}

// findManual returns the kept (not onetry) manual node named name.
func (c *connMgr) findManual(name string) *manualNode {
	if m := c.manual[name]; m != nil && !m.oneTry {
		return m
	}
	return nil
}

func (c *connMgr) disconnectNode(ctx actor.Context, msg *DisconnectNode) {
	var target *peerConn
	if msg.Addr != "" {
		ap, err := netip.ParseAddrPort(msg.Addr)
		if err == nil {
			ap = unmapped(ap)
			for _, p := range c.peers {
				if p.remote == ap {
					target = p
					break
				}
			}
		}
	} else {
		target = c.peers[msg.ID]
	}
	var err error
	if target == nil {
		err = ErrNodeNotFound
	} else {
		c.log.Info("disconnecting", zap.Uint64("peer", target.id), zap.Stringer("addr", target.remote),
			zap.Error(ReasonRequested))
		ctx.Send(c.cfg.IO, &transport.Close{Conn: target.conn, Reason: ReasonRequested})
	}
	if msg.ReplyTo != nil {
		ctx.Send(msg.ReplyTo, &DisconnectNodeReply{Err: err})
	}
}

// ban adds a ban and closes the connections it covers.
func (c *connMgr) ban(ctx actor.Context, msg *Ban) {
	now := c.now()
	until := msg.Until
	if until.IsZero() {
		until = now.Add(DefaultBanTime)
	}
	c.bans.add(msg.Subnet, now, until)
	c.bansDirty = true
	c.saveBans(now)
	c.log.Info("banned", zap.Stringer("subnet", normalize(msg.Subnet)), zap.Time("until", until))
	for _, p := range c.peers {
		if c.bans.banned(p.remote.Addr(), now) {
			c.log.Info("disconnecting banned peer", zap.Uint64("peer", p.id), zap.Stringer("addr", p.remote))
			ctx.Send(c.cfg.IO, &transport.Close{Conn: p.conn, Reason: ReasonBanned})
		}
	}
}

func (c *connMgr) listening(ctx actor.Context, msg *transport.Listening) {
	var l *listener
	for _, x := range c.listeners {
		if x.requested == msg.Requested && !x.done {
			l = x
			break
		}
	}
	if l == nil {
		c.log.Debug("listening answer for no request", zap.Stringer("addr", msg.Requested))
		return
	}
	l.done, l.addr, l.err = true, msg.Addr, msg.Err
	if msg.Err != nil {
		c.log.Error("cannot listen", zap.Stringer("addr", msg.Requested), zap.Error(msg.Err))
		if parent := ctx.Parent(); parent != nil {
			ctx.Send(parent, &ListenFailed{Addr: msg.Requested, Err: msg.Err})
		}
		return
	}
	c.log.Info("listening", zap.Stringer("addr", msg.Addr))
}

func (c *connMgr) listenerList() *Listeners {
	out := &Listeners{Ready: true}
	var errs []error
	for _, l := range c.listeners {
		switch {
		case !l.done:
			out.Ready = false
		case l.err != nil:
			errs = append(errs, fmt.Errorf("listen on %s: %w", l.requested, l.err))
		default:
			out.Addrs = append(out.Addrs, l.addr)
		}
	}
	out.Err = errors.Join(errs...)
	return out
}

func (c *connMgr) peerList() *Peers {
	out := &Peers{List: make([]PeerEntry, 0, len(c.peers))}
	for _, p := range c.peers {
		out.List = append(out.List, PeerEntry{
			ID: p.id, PID: p.pid, Conn: p.conn, Remote: p.remote, Local: p.local,
			Inbound: p.inbound, ConnType: p.connType, Handshaken: p.handshaken, Since: p.since,
		})
	}
	slices.SortFunc(out.List, func(a, b PeerEntry) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

func (c *connMgr) describe(ctx actor.Context, msg *inspect.Describe) {
	outbound := 0
	for _, p := range c.peers {
		if !p.inbound {
			outbound++
		}
	}
	listening := make([]string, 0, len(c.listeners))
	for _, l := range c.listeners {
		if l.done && l.err == nil {
			listening = append(listening, l.addr.String())
		}
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self:     ctx.Self(),
		Kind:     "connmgr",
		Children: ctx.Children(),
		Summary: map[string]any{
			"outbound":        outbound,
			"inbound":         len(c.peers) - outbound,
			"outbound_slots":  c.cfg.MaxOutbound,
			"max_connections": c.cfg.MaxConnections,
			"max_inbound":     c.maxInbound,
			"pending_dials":   len(c.dials),
			"bans":            len(c.bans.snapshot(c.now())),
			"manual_nodes":    len(c.manual),
			"listening":       listening,
		},
	})
}

// wantsAddrV2 reports whether the peer asked for addrv2 (BIP155).
func wantsAddrV2(msg *peer.Handshaken) bool { return msg.WantsAddrV2 }

// advertisable is our own address as the peer of msg can reach it, for the
// address book to announce to outbound peers (Core's GetLocalAddrForPeer):
// an address the operator gave (-externalip) or a gateway mapped for us
// (SetLocalAddr), with its own port; else the IP the peer says it sees us
// at (addr_recv of its version); else a discovered interface address; else
// the local end of the connection when it is specific, with our listening
// port. The zero value means we have nothing to announce (not listening).
func (c *connMgr) advertisable(p *peerConn, msg *peer.Handshaken) netip.AddrPort {
	port := c.listenPort()
	if port == 0 {
		return netip.AddrPort{}
	}
	if best := c.bestLocal(scoreMapped, port); best.IsValid() {
		return best
	}
	if bound := c.boundListener(msg.Version.AddrRecv.Addr); bound.IsValid() {
		return bound
	}
	ip := msg.Version.AddrRecv.Addr.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() {
		if found := c.bestLocal(scoreInterface, port); found.IsValid() {
			return found
		}
		ip = p.local.Addr().Unmap()
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ip, port)
}
