package machine

import "github.com/actornode/actornode/protocol"

// expectedServices are the services a peer of connType must offer on its
// version, which its peer checks before sending verack (Core's
// ExpectServicesFromConn with GetDesirableServiceFlags): NODE_NETWORK and
// NODE_WITNESS for the automatic full-relay, block-relay-only and
// addr-fetch connections,
// nothing for inbound, manual and feeler ones. Core settles for
// NODE_NETWORK_LIMITED in place of NODE_NETWORK while its own best block
// is less than a day (144 blocks) old; this node keeps no blocks, which
// Core counts as far from the tip.
func expectedServices(connType string) protocol.ServiceFlag {
	switch connType {
	case ConnOutboundFullRelay, ConnBlockRelayOnly, ConnAddrFetch:
		return protocol.SFNodeNetwork | protocol.SFNodeWitness
	}
	return 0
}
