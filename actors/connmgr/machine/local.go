package machine

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Sources of our own addresses, strongest first, in the order of Core's
// LOCAL_MANUAL, LOCAL_MAP and LOCAL_IF. Any other source (a port-mapping
// protocol: "pcp", "natpmp", "upnp") counts as mapped.
const (
	// LocalManual is an address the operator gave (-externalip).
	LocalManual = "manual"
	// LocalInterface is an address found on a local interface (-discover).
	LocalInterface = "if"
)

// Scores of our own addresses' sources (Core's LOCAL_MANUAL > LOCAL_MAP >
// LOCAL_IF).
const (
	ScoreInterface = 1
	ScoreMapped    = 2
	ScoreManual    = 3
)

// LocalAddr is one of our own addresses.
type LocalAddr struct {
	Addr   netip.AddrPort `json:"address"`
	Source string         `json:"source"`
	// Score is the precedence of Source: 3 manual, 2 mapped, 1 interface.
	Score int `json:"score"`
}

func sourceScore(source string) int {
	switch source {
	case LocalManual:
		return ScoreManual
	case LocalInterface:
		return ScoreInterface
	}
	return ScoreMapped
}

// listener is one listen request and io's answer.
type listener struct {
	requested netip.AddrPort
	addr      netip.AddrPort
	err       error
	done      bool
}

// Listening is io's answer to Listen requested: bound to addr, or err.
func (m *Machine) Listening(now time.Time, requested, addr netip.AddrPort, err error, out []Action) []Action {
	var l *listener
	for _, x := range m.listeners {
		if x.requested == requested && !x.done {
			l = x
			break
		}
	}
	if l == nil {
		return note(out, LevelDebug, "listening answer for no request", fAddr(requested))
	}
	l.done, l.addr, l.err = true, addr, err
	if err != nil {
		out = note(out, LevelError, "cannot listen", fAddr(requested), fErr(err))
		return append(out, Action{Kind: ListenFailed, Addr: requested, Err: err})
	}
	return note(out, LevelInfo, "listening", fAddr(addr))
}

// Listeners is the state of the listeners.
type Listeners struct {
	// Addrs are the addresses bound so far (ports resolved).
	Addrs []netip.AddrPort
	// Ready is true once io has answered every listen request (always true
	// when listening is off).
	Ready bool
	// Err joins the failures of the requests io has answered.
	Err error
}

// Listeners reports the listeners.
func (m *Machine) Listeners() Listeners {
	out := Listeners{Ready: true}
	var errs []error
	for _, l := range m.listeners {
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

// SetLocalAddr adds or updates one of our own addresses: addr (port 0: our
// listening port) from source.
func (m *Machine) SetLocalAddr(addr netip.AddrPort, source string, out []Action) []Action {
	given := addr
	addr = unmapped(addr)
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		return note(out, LevelDebug, "ignoring unusable local address", fAddr(given), fSource(source))
	}
	entry := LocalAddr{Addr: addr, Source: source, Score: sourceScore(source)}
	for i, l := range m.locals {
		if l.Addr == addr {
			m.locals[i] = entry
			m.sortLocals()
			return out
		}
	}
	m.locals = append(m.locals, entry)
	m.sortLocals()
	return note(out, LevelInfo, "own address added", fAddr(addr), fSource(source))
}

// RemoveLocalAddr drops addr from our own addresses.
func (m *Machine) RemoveLocalAddr(addr netip.AddrPort, out []Action) []Action {
	addr = unmapped(addr)
	n := len(m.locals)
	m.locals = slices.DeleteFunc(m.locals, func(l LocalAddr) bool { return l.Addr == addr })
	if len(m.locals) != n {
		out = note(out, LevelInfo, "own address removed", fAddr(addr))
	}
	return out
}

// sortLocals keeps the strongest first; equal scores keep their order.
func (m *Machine) sortLocals() {
	slices.SortStableFunc(m.locals, func(a, b LocalAddr) int { return b.Score - a.Score })
}

// LocalAddrs lists our own addresses, strongest first, a port of 0 filled
// with the listening port.
func (m *Machine) LocalAddrs() []LocalAddr {
	out := make([]LocalAddr, len(m.locals))
	for i, l := range m.locals {
		out[i] = l
		if l.Addr.Port() == 0 {
			out[i].Addr = netip.AddrPortFrom(l.Addr.Addr(), m.listenPort())
		}
	}
	return out
}

// listenPort is the port of the first working listener, 0 when none.
func (m *Machine) listenPort() uint16 {
	for _, l := range m.listeners {
		if l.done && l.err == nil && l.addr.IsValid() {
			return l.addr.Port()
		}
	}
	return 0
}

// bestLocal is our strongest own address with at least score min (port 0
// filled with port), or the zero value.
func (m *Machine) bestLocal(min int, port uint16) netip.AddrPort {
	// m.locals is sorted strongest first.
	if len(m.locals) == 0 || m.locals[0].Score < min {
		return netip.AddrPort{}
	}
	if l := m.locals[0]; l.Addr.Port() != 0 {
		return l.Addr
	}
	return netip.AddrPortFrom(m.locals[0].Addr.Addr(), port)
}

// boundListener is the address of our first working listener when it is
// bound to one specific IP and the peer sees us on loopback (or not at
// all): our connection then leaves from the loopback address the system
// picks, not from where we listen, as with several nodes on 127.0.0.x of
// one machine. The zero value otherwise.
func (m *Machine) boundListener(seenAs netip.Addr) netip.AddrPort {
	seenAs = seenAs.Unmap()
	if seenAs.IsValid() && !seenAs.IsUnspecified() && !seenAs.IsLoopback() {
		return netip.AddrPort{}
	}
	for _, l := range m.listeners {
		if l.done && l.err == nil && l.addr.IsValid() {
			if l.addr.Addr().IsUnspecified() {
				return netip.AddrPort{}
			}
			return unmapped(l.addr)
		}
	}
	return netip.AddrPort{}
}

// advertisable is our own address as peer p can reach it, for the address
// book to announce to outbound peers (Core's GetLocalAddrForPeer): an
// address the operator gave (-externalip) or a gateway mapped for us, with
// its own port; else the IP the peer says it sees us at (seenAs, its
// version's addr_recv); else a discovered interface address; else the
// local end of the connection when it is specific, with our listening
// port. The zero value means we have nothing to announce (not listening).
func (m *Machine) advertisable(p *peer, seenAs netip.Addr) netip.AddrPort {
	port := m.listenPort()
	if port == 0 {
		return netip.AddrPort{}
	}
	if best := m.bestLocal(ScoreMapped, port); best.IsValid() {
		return best
	}
	if bound := m.boundListener(seenAs); bound.IsValid() {
		return bound
	}
	ip := seenAs.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() {
		if found := m.bestLocal(ScoreInterface, port); found.IsValid() {
			return found
		}
		ip = p.local.Addr().Unmap()
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ip, port)
}
