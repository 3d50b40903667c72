package connmgr

import "github.com/actornode/actornode/actors/connmgr/machine"

// Reason is why connmgr closed a connection; see machine.Reason. It is the
// error connmgr puts in *transport.Close, so io's *transport.Closed and
// every log line carry it.
type Reason = machine.Reason

// Reasons connmgr closes connections for; see machine for each.
const (
	ReasonBanned         = machine.ReasonBanned
	ReasonInboundFull    = machine.ReasonInboundFull
	ReasonRequested      = machine.ReasonRequested
	ReasonPeerStopped    = machine.ReasonPeerStopped
	ReasonShutdown       = machine.ReasonShutdown
	ReasonSpawnFailed    = machine.ReasonSpawnFailed
	ReasonUnexpected     = machine.ReasonUnexpected
	ReasonEvicted        = machine.ReasonEvicted
	ReasonHandshakeLimit = machine.ReasonHandshakeLimit
	ReasonFeelerDone     = machine.ReasonFeelerDone
	ReasonMisbehaved     = machine.ReasonMisbehaved
	ReasonDiscouraged    = machine.ReasonDiscouraged
)
