package portmap

import (
	"errors"
	"net/netip"
	"time"
)

// Protocol names a port-mapping protocol, as logs and the debug endpoint
// show it.
type Protocol string

// The protocols a node can map its port with.
const (
	PCP    Protocol = "pcp"
	NATPMP Protocol = "natpmp"
	UPnP   Protocol = "upnp"
)

// Mapping is a TCP port mapping a gateway has granted.
type Mapping struct {
	// Protocol is how it was made.
	Protocol Protocol
	// Gateway is the device that made it.
	Gateway netip.Addr
	// External is the public address and port peers reach us at. The port
	// may differ from the one asked for: the gateway picks a free one.
	External netip.AddrPort
	// InternalPort is our listening port the mapping forwards to.
	InternalPort uint16
	// Lifetime is how long the gateway keeps it from now; 0 means until
	// deleted (a permanent UPnP lease).
	Lifetime time.Duration
	// Epoch is the gateway's seconds since its start of epoch (NAT-PMP and
	// PCP), used to notice a gateway that restarted and lost its mappings.
	// Valid only when HasEpoch is set (UPnP has none).
	Epoch    uint32
	HasEpoch bool
}

// Error kinds every client wraps its failures with; test with errors.Is.
var (
	// ErrNoGateway: no default gateway is known, or no UPnP gateway
	// answered discovery.
	ErrNoGateway = errors.New("no gateway found")
	// ErrTimeout: the gateway did not answer in time; it may not speak the
	// protocol at all.
	ErrTimeout = errors.New("gateway did not answer")
	// ErrUnsupported: the gateway does not speak this protocol or version
	// (NAT-PMP result 1 or 5, PCP UNSUPP_VERSION or UNSUPP_OPCODE, a
	// missing UPnP service).
	ErrUnsupported = errors.New("gateway does not support the protocol")
	// ErrRefused: the gateway will not map the port for us (NAT-PMP result
	// 2, PCP NOT_AUTHORIZED, UPnP fault 606 Action not authorized).
	ErrRefused = errors.New("gateway refused the mapping")
	// ErrNoPublicAddress: the gateway has no usable public address (NAT-PMP
	// result 3, PCP NETWORK_FAILURE, UPnP fault 501 or an empty external
	// address): it is itself behind another NAT or offline.
	ErrNoPublicAddress = errors.New("gateway has no public address")
	// ErrPortConflict: the external port is held by another host (UPnP
	// fault 718) and the gateway offered no other.
	ErrPortConflict = errors.New("external port is taken by another mapping")
	// ErrNoResources: the gateway's mapping table is full (NAT-PMP result 4,
	// PCP NO_RESOURCES, USER_EX_QUOTA).
	ErrNoResources = errors.New("gateway is out of mapping resources")
	// ErrBadResponse: the gateway's answer could not be understood.
	ErrBadResponse = errors.New("malformed answer from gateway")
)

// Explain says in a sentence what err means for the node, for the log line
// of a failed mapping.
func Explain(err error) string {
	switch {
	case errors.Is(err, ErrNoGateway):
		return "no gateway to ask: the machine may have no default route, or no UPnP router answered"
	case errors.Is(err, ErrTimeout):
		return "the gateway did not answer: it may not support this protocol or has it turned off"
	case errors.Is(err, ErrUnsupported):
		return "the gateway does not speak this protocol version"
	case errors.Is(err, ErrRefused):
		return "the gateway refused to map the port (its port-mapping rules do not allow it)"
	case errors.Is(err, ErrNoPublicAddress):
		return "the gateway has no public address: it is itself behind a NAT (carrier-grade NAT?) or offline"
	case errors.Is(err, ErrPortConflict):
		return "another device holds the external port"
	case errors.Is(err, ErrNoResources):
		return "the gateway's mapping table is full"
	case errors.Is(err, ErrBadResponse):
		return "the gateway's answer was malformed"
	}
	return "port mapping failed"
}
