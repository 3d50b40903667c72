// Package machine is the nat actor's sans-IO logic: the life of one port
// mapping, from the first request through renewals, gateway restarts,
// failures with backoff, to the delete at shutdown. It owns no socket, timer
// or clock: every input carries now, and the outputs say which request to
// start, which address to advertise or withdraw, when to be woken and what
// happened, for the actor to carry out.
//
// The rules, after Bitcoin Core's port mapping and RFCs 6886/6887:
//   - protocols are tried in the configured order (PCP, then NAT-PMP, then
//     UPnP when enabled); the first that grants a mapping is kept;
//   - a mapping is renewed when half its lifetime has passed, asking for the
//     external port it has; a failed renewal is retried with backoff while
//     the mapping lasts, and when it has run out the address is withdrawn
//     and the protocols are tried from the top again;
//   - a renewal answer whose epoch shows the gateway restarted (RFC 6887
//     section 8.5) is counted and reported: the answer is itself the
//     mapping made again;
//   - after a round in which every protocol failed, the next round waits
//     RetryMin, doubling up to RetryMax;
//   - on Stop the address is withdrawn and the mapping deleted, after any
//     request in flight has answered.
package machine

import (
	"fmt"
	"net/netip"
	"time"
)

// Defaults of Config.
const (
	// DefaultLifetime is the lifetime asked of the gateway. Core asks for
	// 20 minutes (PORT_MAPPING_REANNOUNCE_INTERVAL) twice over.
	DefaultLifetime = 40 * time.Minute
	// DefaultRetryMin is the first wait after a round of failures; Core
	// waits PORT_MAPPING_RETRY_PERIOD (5 minutes) each time.
	DefaultRetryMin = time.Minute
	// DefaultRetryMax caps the doubling wait.
	DefaultRetryMax = 15 * time.Minute
	// minRenew is the shortest wait before a renewal, whatever lifetime the
	// gateway grants.
	minRenew = time.Second
)

// Config says what to map and how hard to try.
type Config struct {
	// Protocols are tried in this order; names are the actor's ("pcp",
	// "natpmp", "upnp"). Empty: nothing is ever mapped.
	Protocols []string
	// InternalPort is the listening TCP port to map; 0: nothing to map.
	InternalPort uint16
	// Lifetime is asked of the gateway. 0 means DefaultLifetime.
	Lifetime time.Duration
	// RetryMin and RetryMax bound the backoff between rounds of failures.
	// 0 means the defaults.
	RetryMin, RetryMax time.Duration
}

// Mapping is a mapping a gateway granted, as the machine needs it.
type Mapping struct {
	Protocol string
	Gateway  netip.Addr
	External netip.AddrPort
	// Lifetime is what the gateway granted; 0 means until deleted.
	Lifetime time.Duration
	// Epoch is the gateway's seconds since its start of epoch, when
	// HasEpoch (NAT-PMP and PCP).
	Epoch    uint32
	HasEpoch bool
}

// State is where the machine is in a mapping's life.
type State int

// States.
const (
	// Idle: not started, or waiting to retry after a round of failures.
	Idle State = iota
	// Requesting: a first request is in flight.
	Requesting
	// Mapped: a mapping is held; a renewal is due at the next wake.
	Mapped
	// Renewing: a renewal of the mapping held is in flight.
	Renewing
	// Stopping: the mapping is being deleted, or a request in flight must
	// answer first.
	Stopping
	// Stopped: nothing more will happen.
	Stopped
)

var stateNames = [...]string{"idle", "requesting", "mapped", "renewing", "stopping", "stopped"}

// String names the state.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// OutputKind says what an output asks of the actor.
type OutputKind int

// Output kinds.
const (
	// OutMap: start a map request with Protocol for InternalPort,
	// suggesting external port Suggest; answer with Mapped or Failed.
	OutMap OutputKind = iota + 1
	// OutUnmap: delete Mapping; answer with Unmapped.
	OutUnmap
	// OutAdvertise: Addr is now one of our addresses.
	OutAdvertise
	// OutWithdraw: Addr is ours no longer.
	OutWithdraw
	// OutWake: call Wake at At (replaces any earlier wake).
	OutWake
	// OutEvent: something worth logging happened (Event).
	OutEvent
	// OutDone: stopped; the actor may go.
	OutDone
)

// Output is one thing for the actor to do.
type Output struct {
	Kind     OutputKind
	Protocol string
	Suggest  uint16
	Mapping  Mapping
	Addr     netip.AddrPort
	At       time.Time
	Event    Event
}

// EventKind names an event.
type EventKind int

// Events.
const (
	// EventMapped: a first mapping was granted.
	EventMapped EventKind = iota + 1
	// EventRenewed: a renewal kept the same external address.
	EventRenewed
	// EventChanged: a renewal came back with another external address.
	EventChanged
	// EventGatewayRestarted: the epoch shows the gateway lost its state;
	// the renewal made the mapping again.
	EventGatewayRestarted
	// EventFailed: a request failed; Next says what happens now.
	EventFailed
	// EventExpired: the mapping ran out without a renewal.
	EventExpired
	// EventUnmapped: the mapping was deleted at shutdown (Err: it may not
	// have been).
	EventUnmapped
)

// Event is a happening the actor logs.
type Event struct {
	Kind     EventKind
	Protocol string
	Mapping  Mapping
	Err      error
	// Repeat is set when Err says what the previous failure of the same
	// protocol said: log it quietly.
	Repeat bool
	// Next is what the node does next, in words.
	Next string
}

// Status is the machine's state, for the debug endpoint.
type Status struct {
	State State
	// Mapping is valid when Held.
	Mapping Mapping
	Held    bool
	// Expires is when the mapping runs out (zero: permanent or none).
	Expires time.Time
	// NextAttempt is the next wake: a renewal or a retry.
	NextAttempt     time.Time
	Renewals        int
	GatewayRestarts int
	Failures        int
	LastError       error
	LastErrorAt     time.Time
}

// Machine is one mapping's life. Not safe for concurrent use: the actor
// owns it.
type Machine struct {
	cfg   Config
	state State
	// idx is the protocol of the request in flight, in the current round.
	idx int
	// cur is the mapping held (valid when held).
	cur     Mapping
	held    bool
	expires time.Time
	wakeAt  time.Time
	backoff time.Duration
	// epochAt is when cur's epoch was received.
	epochAt time.Time
	// inFlight is set while a map or unmap request has not answered.
	inFlight bool
	lastErr  map[string]string

	renewals, restarts, failures int
	lastError                    error
	lastErrorAt                  time.Time
}

// New returns a machine in state Idle.
func New(cfg Config) *Machine {
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = DefaultRetryMin
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(DefaultRetryMax, cfg.RetryMin)
	}
	return &Machine{cfg: cfg, lastErr: make(map[string]string)}
}

// Lifetime is the lifetime to ask the gateway for.
func (m *Machine) Lifetime() time.Duration { return m.cfg.Lifetime }

// State is the current state.
func (m *Machine) State() State { return m.state }

// Status is a snapshot for the debug endpoint.
func (m *Machine) Status() Status {
	return Status{
		State: m.state, Mapping: m.cur, Held: m.held, Expires: m.expires, NextAttempt: m.wakeAt,
		Renewals: m.renewals, GatewayRestarts: m.restarts, Failures: m.failures,
		LastError: m.lastError, LastErrorAt: m.lastErrorAt,
	}
}

// Start begins: the first protocol is asked. Nothing happens when there is
// no protocol or no port.
func (m *Machine) Start(now time.Time, out []Output) []Output {
	if m.state != Idle || len(m.cfg.Protocols) == 0 || m.cfg.InternalPort == 0 {
		return out
	}
	return m.request(0, out)
}

func (m *Machine) request(idx int, out []Output) []Output {
	m.state, m.idx, m.inFlight = Requesting, idx, true
	m.wakeAt = time.Time{}
	return append(out, Output{Kind: OutMap, Protocol: m.cfg.Protocols[idx], Suggest: m.cfg.InternalPort})
}

// Mapped reports that the request in flight was granted mp.
func (m *Machine) Mapped(now time.Time, mp Mapping, out []Output) []Output {
	if !m.inFlight {
		return out
	}
	m.inFlight = false
	switch m.state {
	case Requesting:
		m.cur, m.held = mp, true
		m.state, m.backoff, m.epochAt = Mapped, 0, now
		delete(m.lastErr, mp.Protocol)
		out = append(out, Output{Kind: OutAdvertise, Addr: mp.External})
		out = append(out, event(Event{Kind: EventMapped, Protocol: mp.Protocol, Mapping: mp,
			Next: "advertising " + mp.External.String() + " to peers"}))
		return m.scheduleRenew(now, mp, out)
	case Renewing:
		if mp.HasEpoch && m.cur.HasEpoch && EpochLost(m.cur.Epoch, m.epochAt, mp.Epoch, now) {
			m.restarts++
			out = append(out, event(Event{Kind: EventGatewayRestarted, Protocol: mp.Protocol, Mapping: mp,
				Next: "the renewal made the mapping again"}))
		}
		old := m.cur
		m.cur, m.epochAt, m.backoff = mp, now, 0
		m.renewals++
		m.state = Mapped
		delete(m.lastErr, mp.Protocol)
		if mp.External != old.External {
			out = append(out, Output{Kind: OutWithdraw, Addr: old.External}, Output{Kind: OutAdvertise, Addr: mp.External})
			out = append(out, event(Event{Kind: EventChanged, Protocol: mp.Protocol, Mapping: mp,
				Next: "advertising " + mp.External.String() + " instead of " + old.External.String()}))
		} else {
			out = append(out, event(Event{Kind: EventRenewed, Protocol: mp.Protocol, Mapping: mp}))
		}
		return m.scheduleRenew(now, mp, out)
	case Stopping:
		// Granted while we were stopping: delete it again.
		m.cur, m.held, m.inFlight = mp, true, true
		return append(out, Output{Kind: OutUnmap, Mapping: mp})
	}
	return out
}

func (m *Machine) scheduleRenew(now time.Time, mp Mapping, out []Output) []Output {
	wait := mp.Lifetime / 2
	m.expires = time.Time{}
	if mp.Lifetime > 0 {
		m.expires = now.Add(mp.Lifetime)
	} else {
		// A permanent lease is re-asserted now and then, so that a gateway
		// that forgot it gets it back.
		wait = m.cfg.Lifetime / 2
	}
	return m.wake(now.Add(max(wait, minRenew)), out)
}

func (m *Machine) wake(at time.Time, out []Output) []Output {
	m.wakeAt = at
	return append(out, Output{Kind: OutWake, At: at})
}

// Failed reports that the request in flight failed with err.
func (m *Machine) Failed(now time.Time, err error, out []Output) []Output {
	if !m.inFlight {
		return out
	}
	m.inFlight = false
	switch m.state {
	case Requesting:
		proto := m.cfg.Protocols[m.idx]
		ev := m.failure(now, proto, err)
		if m.idx+1 < len(m.cfg.Protocols) {
			ev.Next = "trying " + m.cfg.Protocols[m.idx+1]
			out = append(out, event(ev))
			return m.request(m.idx+1, out)
		}
		wait := m.nextBackoff()
		m.state = Idle
		ev.Next = fmt.Sprintf("not reachable from outside the NAT; trying again in %v", wait)
		out = append(out, event(ev))
		return m.wake(now.Add(wait), out)
	case Renewing:
		ev := m.failure(now, m.cur.Protocol, err)
		if !m.expires.IsZero() && !now.Before(m.expires) {
			out = append(out, event(ev))
			return m.expire(now, out)
		}
		at := now.Add(m.nextBackoff())
		if !m.expires.IsZero() && at.After(m.expires) {
			at = m.expires
		}
		m.state = Mapped
		ev.Next = fmt.Sprintf("keeping %s; renewing again at %s", m.cur.External, at.Format(time.TimeOnly))
		out = append(out, event(ev))
		return m.wake(at, out)
	case Stopping:
		if m.held {
			// The renewal failed, but the mapping may still exist.
			m.inFlight = true
			return append(out, Output{Kind: OutUnmap, Mapping: m.cur})
		}
		m.state = Stopped
		return append(out, Output{Kind: OutDone})
	}
	return out
}

// failure records err and builds its event (Next left to the caller).
func (m *Machine) failure(now time.Time, proto string, err error) Event {
	m.failures++
	m.lastError, m.lastErrorAt = err, now
	text := ""
	if err != nil {
		text = err.Error()
	}
	prev, seen := m.lastErr[proto]
	m.lastErr[proto] = text
	return Event{Kind: EventFailed, Protocol: proto, Err: err, Repeat: seen && prev == text}
}

func (m *Machine) nextBackoff() time.Duration {
	if m.backoff == 0 {
		m.backoff = m.cfg.RetryMin
	} else {
		m.backoff = min(2*m.backoff, m.cfg.RetryMax)
	}
	return m.backoff
}

// expire drops the mapping held and starts a new round.
func (m *Machine) expire(now time.Time, out []Output) []Output {
	old := m.cur
	m.held, m.cur, m.expires = false, Mapping{}, time.Time{}
	out = append(out, Output{Kind: OutWithdraw, Addr: old.External})
	out = append(out, event(Event{Kind: EventExpired, Protocol: old.Protocol, Mapping: old,
		Next: "no longer advertising " + old.External.String() + "; mapping again"}))
	return m.request(0, out)
}

// Wake is the timer asked for by the last OutWake; an early or stale wake
// is ignored.
func (m *Machine) Wake(now time.Time, out []Output) []Output {
	if m.wakeAt.IsZero() || now.Before(m.wakeAt) {
		return out
	}
	m.wakeAt = time.Time{}
	switch m.state {
	case Idle:
		return m.request(0, out)
	case Mapped:
		if !m.expires.IsZero() && !now.Before(m.expires) {
			return m.expire(now, out)
		}
		m.state, m.inFlight = Renewing, true
		return append(out, Output{Kind: OutMap, Protocol: m.cur.Protocol, Suggest: m.cur.External.Port()})
	}
	return out
}

// Stop withdraws the address and deletes the mapping (after any request in
// flight has answered); OutDone follows Unmapped, or comes at once when
// nothing is held.
func (m *Machine) Stop(now time.Time, out []Output) []Output {
	switch m.state {
	case Stopping, Stopped:
		return out
	}
	m.wakeAt = time.Time{}
	wasInFlight := m.inFlight
	m.state = Stopping
	if m.held {
		out = append(out, Output{Kind: OutWithdraw, Addr: m.cur.External})
	}
	if wasInFlight {
		return out // the answer decides: Mapped, Failed
	}
	if m.held {
		m.inFlight = true
		return append(out, Output{Kind: OutUnmap, Mapping: m.cur})
	}
	m.state = Stopped
	return append(out, Output{Kind: OutDone})
}

// Unmapped reports that the delete finished, err saying whether it failed.
func (m *Machine) Unmapped(now time.Time, err error, out []Output) []Output {
	if m.state != Stopping || !m.inFlight {
		return out
	}
	m.inFlight = false
	mp := m.cur
	m.held, m.cur = false, Mapping{}
	m.state = Stopped
	out = append(out, event(Event{Kind: EventUnmapped, Protocol: mp.Protocol, Mapping: mp, Err: err}))
	return append(out, Output{Kind: OutDone})
}

func event(e Event) Output { return Output{Kind: OutEvent, Event: e} }

// EpochLost reports whether a gateway's epoch shows that it lost its state
// between two answers (RFC 6887 section 8.5, RFC 6886 section 3.6): the
// epoch went back by more than a second, or the gateway's clock advanced
// differently from ours by more than 2 s plus 1/16 of the interval.
func EpochLost(prevEpoch uint32, prevAt time.Time, curEpoch uint32, now time.Time) bool {
	if uint64(curEpoch)+1 < uint64(prevEpoch) {
		return true
	}
	client := int64(now.Sub(prevAt) / time.Second)
	server := int64(curEpoch) - int64(prevEpoch)
	return server+2 < client-client/16 || client+2 < server-server/16
}
