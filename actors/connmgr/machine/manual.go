package machine

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Manual connections (Connect, AddNode, the AddNode command) are kept up
// with a backoff between attempts.
const (
	// ManualRetryMin is the wait after the first failure, or after a
	// connection that had completed its handshake ends.
	ManualRetryMin = time.Second
	// ManualRetryMax caps the wait, which doubles per failure.
	ManualRetryMax = 2 * time.Minute
)

// AddNode commands, as Core's addnode RPC takes them.
const (
	AddNodeAdd    = "add"
	AddNodeRemove = "remove"
	AddNodeOneTry = "onetry"
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

// manualState is where a manual node is in its cycle.
type manualState uint8

const (
	manualIdle      manualState = iota // waiting for next
	manualResolving                    // host name lookup running
	manualDialing                      // Dial sent
	manualConnected                    // a peer serves it
)

// manualNode is one node to keep connected (or to try once).
type manualNode struct {
	// key is its key in Machine.manual: the name, or a unique key for onetry.
	key string
	// name is what the operator gave: "host:port", "ip:port", "ip", "host".
	name string
	// oneTry: dial once and forget it.
	oneTry bool
	// addrFetch: a -seednode, dialled as ConnAddrFetch (always oneTry).
	addrFetch bool
	// v1: addnode's v2transport argument was false: dialled with v1 only.
	v1    bool
	state manualState
	// addr is the address of the current attempt.
	addr netip.AddrPort
	// next is the earliest time of the next attempt.
	next time.Time
	// retry is the wait after the next failure.
	retry time.Duration
}

// failed schedules the next attempt after a failure and doubles the wait.
func (n *manualNode) failed(now time.Time) {
	n.state = manualIdle
	if n.retry == 0 {
		n.retry = ManualRetryMin
	}
	n.next = now.Add(n.retry)
	n.retry = min(2*n.retry, ManualRetryMax)
}

// ParseNode splits a manual node name into an address, when it is an IP
// literal, or a host to resolve; the port defaults to defaultPort.
func ParseNode(name string, defaultPort uint16) (ap netip.AddrPort, host string, port uint16, err error) {
	if ap, err := netip.ParseAddrPort(name); err == nil {
		return unmapped(ap), "", 0, nil
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), defaultPort), "", 0, nil
	}
	host, portStr, ok := splitHostPort(name)
	if !ok {
		// No port: the whole name is the host.
		host, portStr = name, ""
	}
	port = defaultPort
	if portStr != "" {
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil || p == 0 {
			return ap, "", 0, fmt.Errorf("node %q: bad port %q", name, portStr)
		}
		port = uint16(p)
	}
	if host == "" {
		return ap, "", 0, fmt.Errorf("node %q: no host", name)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), port), "", 0, nil
	}
	return ap, host, port, nil
}

// splitHostPort splits "host:port" or "[host]:port" as net.SplitHostPort
// does; ok is false when name is not of that form.
func splitHostPort(name string) (host, port string, ok bool) {
	if rest, found := strings.CutPrefix(name, "["); found {
		h, p, found := strings.Cut(rest, "]")
		if !found || !strings.HasPrefix(p, ":") {
			return "", "", false
		}
		host, port = h, p[1:]
	} else {
		i := strings.LastIndexByte(name, ':')
		if i < 0 {
			return "", "", false
		}
		host, port = name[:i], name[i+1:]
		if strings.ContainsAny(host, ":[]") {
			return "", "", false
		}
	}
	if strings.ContainsAny(port, "[]:") || strings.ContainsAny(host, "[]") {
		return "", "", false
	}
	return host, port, true
}

// addManual adds a node to keep connected; it is dialled on the next tick.
func (m *Machine) addManual(name string, oneTry bool, now time.Time) *manualNode {
	key := name
	if oneTry {
		key = "onetry#" + strconv.FormatUint(m.nextKey, 10)
		m.nextKey++
	}
	n := &manualNode{key: key, name: name, oneTry: oneTry, next: now}
	m.manual[key] = n
	return n
}

// manualKeys lists the manual nodes' keys in order, so that a tick's
// attempts come in the same order every time.
func (m *Machine) manualKeys() []string {
	if len(m.manual) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m.manual))
	for k := range m.manual {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tryManual starts an attempt for n: a lookup when its name is a host name,
// else a dial (unless the address is already connected or banned).
func (m *Machine) tryManual(now time.Time, n *manualNode, out []Action) []Action {
	ap, host, port, err := ParseNode(n.name, m.cfg.DefaultPort)
	if err != nil {
		delete(m.manual, n.key)
		return note(out, LevelWarn, "bad node address", fNode(n.name), fErr(err))
	}
	if host != "" {
		n.state = manualResolving
		return append(out, Action{Kind: Resolve, Key: n.key, Host: host, Port: port})
	}
	return m.dialManual(now, n, ap, out)
}

// Resolved answers Resolve for key: the host's address (with the port), or
// err.
func (m *Machine) Resolved(now time.Time, key string, addr netip.AddrPort, err error, out []Action) []Action {
	n := m.manual[key]
	if n == nil || n.state != manualResolving || m.stopped {
		return out
	}
	if err != nil {
		out = note(out, LevelWarn, "cannot resolve node", fNode(n.name), fErr(err))
		return m.manualFailed(n.key, now, out)
	}
	return m.dialManual(now, n, unmapped(addr), out)
}

// dialManual dials n at addr, unless a connection to addr exists already
// (it then counts as connected: Core's addnode checks the same) or addr is
// banned.
func (m *Machine) dialManual(now time.Time, n *manualNode, addr netip.AddrPort, out []Action) []Action {
	n.addr = addr
	if m.busy(addr) {
		n.state = manualIdle
		n.next = now.Add(ManualRetryMin)
		return out
	}
	if m.bans.banned(addr.Addr(), now) {
		out = note(out, LevelInfo, "not dialling banned node", fNode(n.name), fAddr(addr))
		return m.manualFailed(n.key, now, out)
	}
	n.state = manualDialing
	connType := ConnManual
	if n.addrFetch {
		connType = ConnAddrFetch
	}
	return m.dial(addr, connType, n.key, 0, out)
}

// manualFailed schedules the next attempt of manual node key after a
// failure or a disconnection; a onetry node is forgotten instead.
func (m *Machine) manualFailed(key string, now time.Time, out []Action) []Action {
	n := m.manual[key]
	if n == nil {
		return out
	}
	if n.oneTry {
		delete(m.manual, key)
		return out
	}
	n.failed(now)
	return out
}

// AddNode carries out the operator's addnode: AddNodeAdd keeps name
// connected (from the next Tick), AddNodeRemove forgets it (an open
// connection stays open, as in Core), AddNodeOneTry dials it once now. The
// error says why the command was refused.
func (m *Machine) AddNode(now time.Time, name, command string, out []Action) ([]Action, error) {
	return m.AddNodeTransport(now, name, command, true, out)
}

// AddNodeTransport is AddNode with Core's v2transport argument: false
// dials the node with v1 only; true dials it v2 first when Config.V2 (the
// caller refuses true without it, as Core's addnode does).
func (m *Machine) AddNodeTransport(now time.Time, name, command string, v2 bool, out []Action) ([]Action, error) {
	var err error
	switch command {
	case AddNodeAdd:
		if m.findManual(name) != nil {
			err = ErrNodeAdded
			break
		}
		if _, _, _, err = ParseNode(name, m.cfg.DefaultPort); err != nil {
			break
		}
		m.addManual(name, false, now).v1 = !v2
		out = note(out, LevelInfo, "added node", fNode(name))
	case AddNodeRemove:
		n := m.findManual(name)
		if n == nil {
			err = ErrNodeNotAdded
			break
		}
		delete(m.manual, n.key)
		out = note(out, LevelInfo, "removed node", fNode(name))
	case AddNodeOneTry:
		if _, _, _, err = ParseNode(name, m.cfg.DefaultPort); err != nil {
			break
		}
		n := m.addManual(name, true, now)
		n.v1 = !v2
		out = m.tryManual(now, n, out)
	default:
		err = fmt.Errorf("%w %q", ErrUnknownCommand, command)
	}
	if err != nil {
		out = note(out, LevelDebug, "addnode refused", fNode(name), fStr("command", command), fErr(err))
	}
	return out, err
}

// findManual returns the kept (not onetry) manual node named name.
func (m *Machine) findManual(name string) *manualNode {
	if n := m.manual[name]; n != nil && !n.oneTry {
		return n
	}
	return nil
}

// AddedNode is one node kept connected.
type AddedNode struct {
	// Name is the node as the operator gave it.
	Name string
	// Connected is true while a peer serves it.
	Connected bool
	// Addr is the address connected to (valid only when Connected).
	Addr netip.AddrPort
}

// AddedNodes lists the nodes kept connected (Connect, AddNode and
// AddNodeAdd; not onetry or SeedNode), sorted by name.
func (m *Machine) AddedNodes() []AddedNode {
	out := make([]AddedNode, 0, len(m.manual))
	for _, n := range m.manual {
		if n.oneTry || n.addrFetch {
			continue
		}
		a := AddedNode{Name: n.name, Connected: n.state == manualConnected}
		if a.Connected {
			a.Addr = n.addr
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b AddedNode) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
