package machine

import "github.com/actornode/actornode/protocol"

// expectsServices says whether a peer of connType must offer the
// desirable services (Core's ExpectServicesFromConn): the automatic
// full-relay and addr-fetch connections do; inbound, manual and feeler
// connections do not.
func expectsServices(connType string) bool {
	return connType == ConnOutboundFullRelay || connType == ConnAddrFetch
}

// desirableServices is what an outbound peer offering offered must offer
// (Core's GetDesirableServiceFlags): NODE_NETWORK and NODE_WITNESS. Core
// settles for NODE_NETWORK_LIMITED in place of NODE_NETWORK while its own
// best block is less than a day (144 blocks) old; this node keeps no
// blocks, which Core counts as far from the tip.
func desirableServices(offered protocol.ServiceFlag) protocol.ServiceFlag {
	return protocol.SFNodeNetwork | protocol.SFNodeWitness
}

// hasDesirableServices reports whether offered includes every desirable
// service (Core's HasAllDesirableServiceFlags).
func hasDesirableServices(offered protocol.ServiceFlag) bool {
	return desirableServices(offered)&^offered == 0
}
