package machine

// Reason says why a peer connection is being closed. It is the log field, the
// metric label and connmgr's record, so every disconnect the machine decides
// carries exactly one. Reason is an error so it can travel in
// transport.Close and transport.Closed; use errors.As to recover it.
//
// A reason also says what the rule costs the remote, as Core's
// net_processing does (Discourages): most close the connection and nothing
// more (Core sets fDisconnect); the few Core calls Misbehaving for are
// reported to the connection manager, which disconnects and discourages
// the address unless the peer is manual (Core's
// MaybeDiscourageAndDisconnect).
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
	// ProtocolViolation: the remote broke a negotiation rule, wtxidrelay or
	// sendaddrv2 after verack (Core: "wtxidrelay received after verack",
	// "sendaddrv2 received after verack"), sent a malformed version, or a
	// getheaders or getblocks locator of more than 101 hashes (Core:
	// "getheaders locator size %lld > %d"). Core disconnects for each
	// without calling Misbehaving: it does not discourage.
	ProtocolViolation
	// Requested: someone on our side (a handler, connmgr) asked for it.
	Requested
	// ServiceNotOffered: the remote asked for a service we do not announce:
	// bloom filters or the mempool without NODE_BLOOM, compact block
	// filters without NODE_COMPACT_FILTERS (Core: "filterload received
	// despite not offering bloom services", "mempool request with bloom
	// filters disabled", "peer requested unsupported block filter type").
	ServiceNotOffered
	// TooManyEntries: addr or addrv2 with more than 1000 addresses, inv or
	// getdata with more than 50,000 entries, headers with more than 2000
	// (Core: Misbehaving "addr message size = %u", "inv message size =
	// %u", "getdata message size = %u", "headers message size = %u").
	// Discourages.
	TooManyEntries
	// InvalidSendCmpct: a sendcmpct whose announce byte is neither 0 nor 1
	// (BIP152; Core: Misbehaving "invalid sendcmpct announce field").
	// Discourages.
	InvalidSendCmpct
	// MissingServices: the remote's version lacks a service its
	// connection is expected to offer (Config.ExpectServices), refused
	// before our verack (Core: "peer does not offer the expected
	// services"). Disconnects without discouraging.
	MissingServices
	// TxRelayViolation: a tx, or an inv of one, from a peer our version
	// asked for none (block-relay-only, feeler; Core: "transaction sent in
	// violation of protocol", "transaction (%s) inv sent in violation of
	// protocol"). Disconnects without discouraging.
	TxRelayViolation
)

// discouraging lists the reasons of the rules Core calls Misbehaving for:
// the one place that says which rules discourage.
var discouraging = [...]bool{
	TooManyEntries:   true,
	InvalidSendCmpct: true,
}

// Discourages reports whether breaking the rule r names is misbehaviour
// (Core's Misbehaving): the peer is not closed by itself but reported to
// the connection manager, which disconnects it and discourages its address
// (a manual peer is kept, a local one only disconnected). The other
// reasons close the connection and nothing more (Core's fDisconnect).
func (r Reason) Discourages() bool { return int(r) < len(discouraging) && discouraging[r] }

var reasonNames = [...]string{
	ReasonNone:        "none",
	HandshakeTimeout:  "handshake-timeout",
	PingTimeout:       "ping-timeout",
	SelfConnection:    "self-connection",
	ObsoleteVersion:   "obsolete-version",
	ProtocolViolation: "protocol-violation",
	Requested:         "requested",
	ServiceNotOffered: "service-not-offered",
	TooManyEntries:    "too-many-entries",
	InvalidSendCmpct:  "invalid-sendcmpct",
	MissingServices:   "missing-services",
	TxRelayViolation:  "tx-relay-violation",
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
