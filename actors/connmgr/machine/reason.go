package machine

// Reason is why the connection manager closes a connection. It is the error
// the manager puts in its close request to io, so io's report of the close
// and every log line carry it.
type Reason uint8

// Reasons connmgr closes connections for.
const (
	// ReasonBanned: the remote's address is banned.
	ReasonBanned Reason = iota + 1
	// ReasonInboundFull: every inbound slot is taken.
	ReasonInboundFull
	// ReasonRequested: an operator asked (DisconnectNode).
	ReasonRequested
	// ReasonPeerStopped: the peer actor stopped (it crashed) while its
	// connection was still open.
	ReasonPeerStopped
	// ReasonShutdown: connmgr is stopping.
	ReasonShutdown
	// ReasonSpawnFailed: the peer actor could not be spawned.
	ReasonSpawnFailed
	// ReasonUnexpected: io reported a connection connmgr did not ask for.
	ReasonUnexpected
	// ReasonEvicted: the inbound slots were full and this peer was chosen
	// to make room (Core's AttemptToEvictConnection).
	ReasonEvicted
	// ReasonHandshakeLimit: too many inbound connections from the same
	// source group are still in their handshake (Config.
	// MaxHandshakingPerGroup).
	ReasonHandshakeLimit
	// ReasonFeelerDone: a feeler connection shook hands, which was all it
	// was for (Core's "feeler connection completed").
	ReasonFeelerDone
	// ReasonMisbehaved: the peer, or another at its address, misbehaved
	// (Core's MaybeDiscourageAndDisconnect).
	ReasonMisbehaved
	// ReasonDiscouraged: an inbound connection from a discouraged address
	// while the inbound slots are (almost) full.
	ReasonDiscouraged
	// ReasonExtraOutbound: one full-relay peer more than the slots, the
	// one that least recently announced a block (Core's
	// EvictExtraOutboundPeers).
	ReasonExtraOutbound
	// ReasonExtraBlockRelay: one block-relay-only peer more than the
	// slots (Core's EvictExtraOutboundPeers).
	ReasonExtraBlockRelay
)

// Error returns the reason's text, so a Reason is an error.
func (r Reason) Error() string {
	switch r {
	case ReasonBanned:
		return "banned"
	case ReasonInboundFull:
		return "inbound slots full"
	case ReasonRequested:
		return "disconnect requested"
	case ReasonPeerStopped:
		return "peer actor stopped"
	case ReasonShutdown:
		return "shutting down"
	case ReasonSpawnFailed:
		return "cannot spawn peer"
	case ReasonUnexpected:
		return "unexpected connection"
	case ReasonEvicted:
		return "evicted to make room for an inbound connection"
	case ReasonHandshakeLimit:
		return "too many handshakes in progress from the source group"
	case ReasonFeelerDone:
		return "feeler connection completed"
	case ReasonMisbehaved:
		return "misbehaving"
	case ReasonDiscouraged:
		return "discouraged"
	case ReasonExtraOutbound:
		return "extra outbound peer"
	case ReasonExtraBlockRelay:
		return "extra block-relay-only peer"
	}
	return "unknown reason"
}

// String returns the same text as Error.
func (r Reason) String() string { return r.Error() }
