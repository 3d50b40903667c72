package machine

// Reason says why a peer connection is being closed. It is the log field, the
// metric label and connmgr's record, so every disconnect the machine decides
// carries exactly one. Reason is an error so it can travel in
// transport.Close and transport.Closed; use errors.As to recover it.
type Reason uint8

// The disconnect reasons. A rule copied from Bitcoin Core carries Core's name
// for it in the comment.
const (
	// ReasonNone is the zero value; the machine never disconnects with it.
	ReasonNone Reason = iota
	// HandshakeTimeout: version and verack were not both exchanged within
	// the handshake timeout (Core: "version handshake timeout",
	// DEFAULT_PEER_CONNECT_TIMEOUT).
	HandshakeTimeout
	// PingTimeout: a ping went unanswered for the ping timeout (Core:
	// "ping timeout", TIMEOUT_INTERVAL).
	PingTimeout
	// SelfConnection: an inbound version carried the nonce of one of our own
	// outbound handshakes (Core: "connected to self").
	SelfConnection
	// ObsoleteVersion: the remote speaks a protocol older than
	// MIN_PEER_PROTO_VERSION (Core: "peer using obsolete version").
	ObsoleteVersion
	// ProtocolViolation: the remote broke a negotiation rule, such as
	// wtxidrelay or sendaddrv2 after verack, or sent a malformed version.
	ProtocolViolation
	// Requested: someone on our side (a handler, connmgr) asked for it.
	Requested
	// ServiceNotOffered: the remote asked for a service we do not announce:
	// bloom filters or the mempool without NODE_BLOOM, compact block
	// filters without NODE_COMPACT_FILTERS (Core: "filterload received
	// despite not offering bloom services", "mempool request with bloom
	// filters disabled", "peer requested unsupported block filter type").
	ServiceNotOffered
)

var reasonNames = [...]string{
	ReasonNone:        "none",
	HandshakeTimeout:  "handshake-timeout",
	PingTimeout:       "ping-timeout",
	SelfConnection:    "self-connection",
	ObsoleteVersion:   "obsolete-version",
	ProtocolViolation: "protocol-violation",
	Requested:         "requested",
	ServiceNotOffered: "service-not-offered",
}

// String returns the reason's stable, lower-case name ("ping-timeout"),
// suitable as a log field and a metric label.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// Error makes a Reason usable wherever an error is expected.
func (r Reason) Error() string { return "peer disconnect: " + r.String() }
