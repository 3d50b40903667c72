package machine

import (
	"net/netip"
	"time"
)

// DisconnectNode carries out the operator's disconnectnode: the peer at
// addr ("ip:port") when addr is set, else peer id, is closed. The error is
// ErrNodeNotFound when there is no such peer.
func (m *Machine) DisconnectNode(now time.Time, id uint64, addr string, out []Action) ([]Action, error) {
	var target *peer
	if addr != "" {
		ap, err := netip.ParseAddrPort(addr)
		if err == nil {
			ap = unmapped(ap)
			for _, p := range m.peers {
				if p.remote == ap {
					target = p
					break
				}
			}
		}
	} else {
		target = m.peers[id]
	}
	if target == nil {
		return out, ErrNodeNotFound
	}
	out = note(out, LevelInfo, "disconnecting", fPeer(target.id), fAddr(target.remote), fErr(ReasonRequested))
	return append(out, Action{Kind: Close, Conn: target.conn, Reason: ReasonRequested}), nil
}

// Ban bans subnet until until (the zero time: DefaultBanTime from now),
// replacing a ban of the same subnet, and closes the connections it
// covers.
func (m *Machine) Ban(now time.Time, subnet netip.Prefix, until time.Time, out []Action) []Action {
	if until.IsZero() {
		until = now.Add(DefaultBanTime)
	}
	m.bans.add(subnet, now, until)
	m.bansDirty, m.filterDirty = true, true
	out = m.saveBans(now, out)
	out = m.sendFilter(now, out, true)
	out = note(out, LevelInfo, "banned", fSubnet(NormalizeSubnet(subnet)), fUntil(until))
	for _, p := range m.peers {
		if m.bans.banned(p.remote.Addr(), now) {
			out = note(out, LevelInfo, "disconnecting banned peer", fPeer(p.id), fAddr(p.remote))
			out = append(out, Action{Kind: Close, Conn: p.conn, Reason: ReasonBanned})
		}
	}
	return out
}

// Unban lifts the ban of exactly subnet.
func (m *Machine) Unban(now time.Time, subnet netip.Prefix, out []Action) []Action {
	if m.bans.remove(subnet) {
		m.bansDirty, m.filterDirty = true, true
		out = m.saveBans(now, out)
		out = m.sendFilter(now, out, true)
	}
	return out
}

// ClearBans lifts every ban.
func (m *Machine) ClearBans(now time.Time, out []Action) []Action {
	m.bans = banList{}
	m.bansDirty, m.filterDirty = true, true
	out = m.saveBans(now, out)
	return m.sendFilter(now, out, true)
}

// Bans lists the bans in force at now, sorted by subnet.
func (m *Machine) Bans(now time.Time) []BanEntry { return m.bans.snapshot(now) }

// Banned reports whether addr is banned at now.
func (m *Machine) Banned(addr netip.Addr, now time.Time) bool { return m.bans.banned(addr, now) }
