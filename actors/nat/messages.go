package nat

import (
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/transport/portmap"
)

// Stop deletes the port mapping (bounded by Config.UnmapTimeout) and then
// stops the actor; its parent sees it terminate. The node's shutdown sends
// it instead of a poison pill, so that the delete is not cut short.
type Stop struct{}

// GetStatus asks for the mapping's state, answered with *Status to ReplyTo.
type GetStatus struct {
	ReplyTo *actor.PID
}

// Status answers GetStatus: what /debug/nat shows.
type Status struct {
	// Protocols are those tried, in order ("pcp", "natpmp", "upnp"); empty
	// when port mapping is off.
	Protocols []portmap.Protocol `json:"protocols"`
	// State is the mapping's state: idle, requesting, mapped, renewing,
	// stopping, stopped; "off" when nothing is to be mapped.
	State string `json:"state"`
	// Protocol is the protocol of the mapping held ("" when none).
	Protocol portmap.Protocol `json:"protocol"`
	// Gateway is the gateway that granted it.
	Gateway netip.Addr `json:"gateway"`
	// InternalPort is our listening port being mapped.
	InternalPort uint16 `json:"internal_port"`
	// External is the public address and port peers reach us at.
	External netip.AddrPort `json:"external"`
	// Lifetime is what the gateway granted (0: permanent).
	Lifetime time.Duration `json:"-"`
	// LifetimeSeconds is Lifetime in whole seconds.
	LifetimeSeconds int64 `json:"lifetime_s"`
	// Expires is when the mapping runs out unless renewed.
	Expires time.Time `json:"expires,omitzero"`
	// NextAttempt is when the next renewal or retry is due.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Renewals counts successful renewals.
	Renewals int `json:"renewals"`
	// GatewayRestarts counts gateway restarts noticed by the epoch.
	GatewayRestarts int `json:"gateway_restarts"`
	// Failures counts failed requests.
	Failures int `json:"failures"`
	// LastError is the latest failure, with its meaning.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// LocalAddrs are the own addresses this actor gave connmgr.
	LocalAddrs []connmgr.LocalAddr `json:"local_addresses"`
}

// mapDone is a map request's answer, from its goroutine.
type mapDone struct {
	seq     uint64
	mapping portmap.Mapping
	err     error
}

// unmapDone is a delete's answer.
type unmapDone struct {
	seq uint64
	err error
}

// discovered carries the routable interface addresses (-discover).
type discovered struct {
	addrs []netip.Addr
	err   error
}

// wake is the machine's timer.
type wake struct{ seq uint64 }

// askListeners asks connmgr again for the listening port.
type askListeners struct{}

// stopDeadline ends a Stop whose delete has not answered in time.
type stopDeadline struct{}
