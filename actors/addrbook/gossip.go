package addrbook

import (
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// relayItem is an address to relay.
type relayItem struct {
	key      addrKey
	seen     time.Time
	services protocol.ServiceFlag
}

// connFor returns the state of the connection a message came from, made
// on first use (gossip may overtake connmgr's Connected).
func (a *addrBook) connFor(from dispatcher.Sender, now time.Time) *conn {
	c := a.conns[from.ID]
	if c == nil {
		c = &conn{pid: from.PID, addr: unmap(from.Remote), inbound: from.Inbound, since: now.UnixNano()}
		a.conns[from.ID] = c
	}
	return c
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

// deliver handles the gossip the dispatcher forwards.
func (a *addrBook) deliver(ctx actor.Context, d *dispatcher.Deliver) {
	// The message counts against its peer's budget until we are done.
	defer d.Done(ctx)
	switch m := d.Msg.(type) {
	case *protocol.MsgAddr:
		a.gossip(ctx, d.From, m.AddrList, nil)
	case *protocol.MsgAddrV2:
		a.gossip(ctx, d.From, nil, m.AddrList)
	case *protocol.MsgGetAddr:
		a.getAddr(ctx, d.From)
	default:
		a.log.Debug("unexpected delivery", zap.String("command", d.Msg.Command()))
	}
}

// gossip takes in the addresses of an addr (v1) or addrv2 (v2) message, as
// Core's ProcessAddrs: in random order, each spending a token of the
// peer's bucket (the rest are dropped and counted), fresh news relayed.
func (a *addrBook) gossip(ctx actor.Context, from dispatcher.Sender, v1 []protocol.NetAddress, v2 []protocol.NetAddressV2) {
	now := a.now()
	c := a.connFor(from, now)
	r, fresh := a.setupRelay(from.ID, c)
	if r == nil {
		// Core ignores addresses from a feeler or a block-relay-only peer.
		a.log.Debug("ignoring addresses from a connection outside address relay", zap.Uint64("peer", from.ID),
			zap.Bool("feeler", c.feeler), zap.Bool("block_relay", c.blockRelay))
		return
	}
	if fresh && c.inbound {
		// An inbound peer that gossips joins relay; Core's first pass over
		// its (empty) address queue follows this message.
		r.nextSend = now.Add(expDuration(addrSendInterval, a.rng)).UnixNano()
	}
	r.tokens.refill(now)
	n := min(len(v1)+len(v2), protocol.MaxAddrPerMsg)
	source := from.Remote.Addr().Unmap()
	var relay []relayItem
	processed, limited, added := 0, 0, 0
	for _, i := range a.rng.Perm(n) {
		if !r.tokens.take() {
			limited++
			continue
		}
		processed++
		var na protocol.NetAddressV2
		if i < len(v1) {
			na = protocol.NetAddressV2From(v1[i])
		} else {
			na = v2[i-len(v1)]
		}
		k, ok := keyFromV2(&na)
		if !ok || !mayServeAddrs(na.Services) {
			continue
		}
		r.remember(a.relay.addrHash(k))
		if a.excluded(k, now) {
			processed-- // banned or discouraged: Core neither counts nor keeps it
			continue
		}
		if !k.valid(a.allowLocal) {
			continue
		}
		seen := fixStamp(na.Timestamp, now)
		if now.Sub(seen) < relayFresh && !r.getAddrSent && n <= relayMaxBatch {
			relay = append(relay, relayItem{key: k, seen: seen, services: na.Services})
		}
		if a.book.add(k, na.Services, seen, source, gossipPenalty, now, a.rng) {
			added++
		}
	}
	a.processed += uint64(processed)
	a.rateLimited += uint64(limited)
	if n < protocol.MaxAddrPerMsg {
		r.getAddrSent = false
	}
	a.log.Debug("received addresses",
		zap.Uint64("peer", from.ID), zap.Stringer("addr", from.Remote), zap.Int("count", n),
		zap.Int("processed", processed), zap.Int("rate_limited", limited), zap.Int("new", added),
		zap.Int("known", a.book.len()))
	if c.addrFetch && c.connected && n > 1 {
		// More than one address: an answer, not a self-announcement.
		ctx.Send(c.pid, &peer.Disconnect{Reason: ErrAddrFetchDone})
	}
	a.relayAddrs(ctx, from.ID, relay, now)
	if fresh && c.inbound && c.connected {
		// It joined relay: our address goes to it at once (Core's
		// MaybeSendAddr after this message). Before Connected, our address
		// as it sees it is not known yet: Connected tells it then.
		a.advertiseSelf(ctx, from.ID, c, now)
	}
}

// mayServeAddrs reports whether a gossiped address is worth keeping for
// its services: its node serves blocks, all of them (NODE_NETWORK) or the
// recent ones (NODE_NETWORK_LIMITED). Core's ProcessAddrs keeps an address
// when MayHaveUsefulAddressDB or HasAllDesirableServiceFlags holds, and
// every desirable set includes one of the two, so this is the same rule.
// Core does not even remember such an address as known to the peer.
func mayServeAddrs(s protocol.ServiceFlag) bool {
	return s&(protocol.SFNodeNetwork|protocol.SFNodeNetworkLimited) != 0
}

// fixStamp turns an addr timestamp into the time the address was seen:
// absurd stamps (before 1973 or in the future) become five days ago.
func fixStamp(ts uint32, now time.Time) time.Time {
	t := time.Unix(int64(ts), 0)
	if ts <= 100_000_000 || t.After(now.Add(futureSlack)) {
		return now.Add(-staleStamp)
	}
	return t
}

// relayAddrs passes each address on to the one or two peers chosen for it
// today, skipping origin and the peers that know it already.
func (a *addrBook) relayAddrs(ctx actor.Context, origin uint64, items []relayItem, now time.Time) {
	if len(items) == 0 {
		return
	}
	type pick struct {
		score uint64
		id    uint64
		c     *conn
	}
	targets := make(map[uint64]*conn)
	for _, it := range items {
		h := a.relay.addrHash(it.key)
		base, n := a.relay.relayScore(h, it.key.ip(), now)
		var best [2]pick
		for id, c := range a.relaying {
			if id == origin || !c.connected || c.addrFetch || (!it.key.ip() && !c.wantsV2) {
				continue
			}
			s := a.relay.peerScore(base, id)
			switch {
			case s > best[0].score:
				best[1], best[0] = best[0], pick{s, id, c}
			case s > best[1].score:
				best[1] = pick{s, id, c}
			}
		}
		for _, p := range best[:n] {
			if p.c != nil {
				a.pushAddr(p.c, it.key.v2(it.seen, it.services), h)
				targets[p.id] = p.c
			}
		}
	}
	for id, c := range targets {
		a.scheduleSend(ctx, id, c, now)
	}
}

// pushAddr queues an address for the peer's next addr message, as Core's
// PushAddress: one the peer knows is left out (and checked again when the
// message goes), one it cannot read (Tor, I2P, CJDNS without addrv2) too,
// and in a full queue a random entry makes way. scheduleSend then sets the
// message going.
func (a *addrBook) pushAddr(c *conn, na protocol.NetAddressV2, h uint64) {
	r := c.relay
	if r.known.has(h) || (!c.wantsV2 && !v1Compatible(&na)) {
		return
	}
	q := queuedAddr{addr: na, hash: h}
	if len(r.toSend) >= maxGetAddrReply {
		r.toSend[a.rng.IntN(len(r.toSend))] = q
	} else {
		r.toSend = append(r.toSend, q)
	}
}

// scheduleSend sends the peer's queued addresses at its next send time
// (Core's m_next_addr_send, renewed by an exponential interval of mean
// addrSendInterval at each send): at once for the first message, else
// on a timer.
func (a *addrBook) scheduleSend(ctx actor.Context, id uint64, c *conn, now time.Time) {
	r := c.relay
	if len(r.toSend) == 0 || r.flush != nil {
		return
	}
	if r.nextSend == 0 {
		a.sendQueued(ctx, c, now)
		return
	}
	if now.UnixNano() >= r.nextSend {
		// Core's timer ran on while the queue was empty: by the Poisson
		// process's lack of memory, the next pass is an interval away.
		r.nextSend = now.Add(expDuration(addrSendInterval, a.rng)).UnixNano()
	}
	r.flush = a.after(ctx, time.Duration(r.nextSend-now.UnixNano()), &flushAddrs{id: id})
}

// flushAddrs sends the peer's queued addresses when its timer fires.
func (a *addrBook) flushAddrs(ctx actor.Context, msg *flushAddrs) {
	c := a.conns[msg.id]
	if c == nil || c.relay == nil {
		return
	}
	c.relay.flush = nil
	a.sendQueued(ctx, c, a.now())
}

// sendQueued sends the queued addresses the peer does not know yet in one
// message, notes them as known, and sets the next send time an
// exponential interval of mean addrSendInterval away (Core's
// MaybeSendAddr).
func (a *addrBook) sendQueued(ctx actor.Context, c *conn, now time.Time) {
	r := c.relay
	r.nextSend = now.Add(expDuration(addrSendInterval, a.rng)).UnixNano()
	list := make([]protocol.NetAddressV2, 0, len(r.toSend))
	for _, q := range r.toSend {
		if r.known.has(q.hash) {
			continue
		}
		r.remember(q.hash)
		list = append(list, q.addr)
	}
	r.toSend = nil
	a.sendAddrs(ctx, c, list)
}

// v1Compatible reports whether an address fits an addr (v1) message.
func v1Compatible(na *protocol.NetAddressV2) bool {
	return na.Network == protocol.NetIPv4 || na.Network == protocol.NetIPv6
}

// sendAddrs sends c the addresses as addrv2, or as addr (IP ones only)
// when it did not ask for addrv2. It reports how many were sent.
func (a *addrBook) sendAddrs(ctx actor.Context, c *conn, list []protocol.NetAddressV2) int {
	var msg protocol.Message
	n := 0
	if c.wantsV2 {
		msg, n = &protocol.MsgAddrV2{AddrList: list}, len(list)
	} else {
		m := &protocol.MsgAddr{AddrList: make([]protocol.NetAddress, 0, len(list))}
		for i := range list {
			if ap, ok := list[i].AddrPort(); ok && list[i].Network != protocol.NetCJDNS {
				m.AddrList = append(m.AddrList, protocol.NetAddress{
					Timestamp: list[i].Timestamp, Services: list[i].Services, Addr: ap.Addr(), Port: ap.Port(),
				})
			}
		}
		msg, n = m, len(m.AddrList)
	}
	if n > 0 {
		ctx.Send(c.pid, &peer.SendMessage{Msg: msg})
	}
	return n
}

// getAddr answers an inbound peer's getaddr, once per connection.
func (a *addrBook) getAddr(ctx actor.Context, from dispatcher.Sender) {
	if !from.Inbound {
		// Core ignores getaddr from outbound peers: answering would let a
		// peer we chose fingerprint us.
		a.log.Debug("ignoring getaddr from outbound peer", zap.Uint64("peer", from.ID))
		return
	}
	now := a.now()
	c := a.connFor(from, now)
	// An inbound peer always joins relay (Core asserts it).
	r, fresh := a.setupRelay(from.ID, c)
	if fresh && c.connected {
		// Our address goes first, alone, at once; Core's MaybeSendAddr
		// sends it before the queue that holds the answer.
		a.advertiseSelf(ctx, from.ID, c, now)
	}
	if c.answered || c.pending {
		a.log.Debug("ignoring repeated getaddr", zap.Uint64("peer", from.ID))
		return
	}
	if !c.connected {
		// The getaddr overtook connmgr's Connected, which says whether the
		// peer wants addrv2: wait for it, a little.
		c.pending = true
		r.wait = a.after(ctx, getAddrWait, &getAddrTimeout{id: from.ID})
		return
	}
	a.answerGetAddr(ctx, from.ID, c)
}

func (a *addrBook) getAddrTimeout(ctx actor.Context, msg *getAddrTimeout) {
	c := a.conns[msg.id]
	if c == nil || !c.pending {
		return
	}
	a.answerGetAddr(ctx, msg.id, c)
	if !c.connected {
		// Connected never came (the peer is likely gone): drop the state
		// so it cannot pile up (and an answer still queued with it).
		a.dropConn(msg.id, c)
	}
}

// answerGetAddr queues the cached answer for c, without c's own address.
func (a *addrBook) answerGetAddr(ctx actor.Context, id uint64, c *conn) {
	c.pending, c.answered = false, true
	r := c.relay
	if r.wait != nil {
		r.wait.Stop()
		r.wait = nil
	}
	// Core empties the queue for the answer: what waited in it goes no more.
	r.toSend = nil
	now := a.now()
	cache := a.cache(c, now)
	self := keyFromAddrPort(c.addr)
	for i := range cache.addrs {
		k, _ := keyFromV2(&cache.addrs[i])
		// Never tell a peer its own address: the one it connects from, or
		// any it told us (its self-announcement, in its known filter).
		if k != self {
			a.pushAddr(c, cache.addrs[i], a.relay.addrHash(k))
		}
	}
	queued := len(r.toSend)
	// As in Core, the answer joins the peer's address queue: it goes at
	// once when it is the first message, else at the next send time.
	a.scheduleSend(ctx, id, c, now)
	a.log.Debug("answered getaddr", zap.Uint64("peer", id), zap.Stringer("addr", c.addr),
		zap.Bool("addrv2", c.wantsV2), zap.Int("queued", queued), zap.Time("cache_expires", cache.expires))
}

// cacheKey names a getaddr answer: the network class of the asker's
// address (Core's ConnectedThroughNetwork) and the local socket it
// reached (Core's m_network_key of an inbound connection).
type cacheKey struct {
	class netaddr.Network
	bind  netip.AddrPort
}

// cache returns the getaddr answer for askers of c's network on c's local
// socket, built anew when it has expired.
func (a *addrBook) cache(c *conn, now time.Time) *addrCache {
	key := cacheKey{class: netaddr.FromAddrPort(c.addr).NetClass(), bind: c.bind}
	ac := a.caches[key]
	if ac == nil {
		ac = &addrCache{}
		a.caches[key] = ac
	}
	return a.refresh(ac, now)
}

// refresh builds the answer c anew when it is stale.
func (a *addrBook) refresh(c *addrCache, now time.Time) *addrCache {
	if size := a.book.len(); c.stale(now, size) {
		least := 0
		if a.allowLocal { // regtest
			least = minGetAddrReply
		}
		sample := a.book.sample(maxGetAddrReply, maxGetAddrPct, least, now, a.rng)
		c.addrs = make([]protocol.NetAddressV2, 0, len(sample))
		for _, e := range sample {
			if !a.excluded(e.key, now) {
				c.addrs = append(c.addrs, e.key.v2(e.lastSeen, e.services))
			}
		}
		c.expires = now.Add(cacheLifetime + time.Duration(a.rng.Int64N(int64(cacheJitter))))
		c.whole, c.bookSize = size <= least, size
	}
	return c
}

func unixStamp(t time.Time) uint32 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint32(t.Unix())
}

// advertiseSelf tells peer id, which is in address relay, our own
// address, when we listen and the address is one the network would store,
// and schedules the next announcement about a day later (Core's
// MaybeSendAddr with AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL). The first goes
// at once in a message of its own: an outbound peer's at the handshake, an
// inbound peer's when it joins relay (its first addr, addrv2 or getaddr).
// A later one joins the peer's address queue after its known filter is
// cleared, so that it does go out, as Core does. While the node is in
// initial block download nothing is sent and nothing changes, as in Core:
// the announcement stays due and goes out at the first housekeeping tick
// after the node leaves it.
func (a *addrBook) advertiseSelf(ctx actor.Context, id uint64, c *conn, now time.Time) {
	if a.cfg.InitialBlockDownload != nil && a.cfg.InitialBlockDownload(now) {
		return
	}
	r := c.relay
	first := r.nextLocal == 0
	r.nextLocal = now.Add(expDuration(localInterval, a.rng)).UnixNano()
	if !first {
		r.known = nil
	}
	if !c.local.IsValid() || c.local.Port() == 0 || !netaddr.FromAddrPort(c.local).IsRoutableOrLocal(a.allowLocal) {
		return
	}
	k := keyFromAddrPort(c.local)
	h := a.relay.addrHash(k)
	if first {
		r.remember(h)
		a.sendAddrs(ctx, c, []protocol.NetAddressV2{k.v2(now, a.cfg.Services)})
	} else {
		a.pushAddr(c, k.v2(now, a.cfg.Services), h)
		a.scheduleSend(ctx, id, c, now)
	}
	a.log.Debug("advertising our address", zap.Uint64("peer", id), zap.Stringer("local", c.local), zap.Bool("first", first))
}
