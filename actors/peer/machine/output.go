package machine

import (
	"time"

	"github.com/actornode/actornode/protocol"
)

// Kind says what an Output asks the caller to do.
type Kind uint8

// The output kinds.
const (
	// Send: encode Msg and write it to the remote.
	Send Kind = iota + 1
	// Disconnect: the remote broke a rule. When Reason.Discourages (Core's
	// Misbehaving), report the peer to the connection manager, which
	// decides (Core's MaybeDiscourageAndDisconnect: a manual peer stays
	// connected, a local one is only disconnected, any other is
	// disconnected and its address discouraged); the machine goes on.
	// Otherwise close the connection for Reason: the machine is closed
	// afterwards and produces nothing more.
	Disconnect
	// Event: report Event (with Version or RTT) to whoever watches the peer.
	Event
	// Forward: hand Msg, which the machine does not handle, to the
	// dispatcher.
	Forward
	// Wake: call Tick at At (replacing any earlier wake-up).
	Wake
	// SendPong: encode a pong carrying Nonce and write it (ReceivedPing's
	// answer; Msg is nil).
	SendPong
)

var kindNames = [...]string{Send: "send", Disconnect: "disconnect", Event: "event", Forward: "forward", Wake: "wake", SendPong: "send-pong"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// EventKind names an event the machine reports.
type EventKind uint8

// The events.
const (
	// HandshakeComplete: version and verack were exchanged both ways;
	// Output.Version is the remote's version message.
	HandshakeComplete EventKind = iota + 1
	// Pong: a pong answered our outstanding ping; Output.RTT is the round
	// trip time.
	Pong
)

// String names the event.
func (e EventKind) String() string {
	switch e {
	case HandshakeComplete:
		return "handshake-complete"
	case Pong:
		return "pong"
	default:
		return "unknown"
	}
}

// Output is one thing the machine asks its caller to do. Only the fields that
// belong to Kind are set.
type Output struct {
	Kind Kind
	// Msg is the message to send (Send) or to forward (Forward).
	Msg protocol.Message
	// Reason is why to disconnect (Disconnect).
	Reason Reason
	// Event is what happened (Event).
	Event EventKind
	// Version is the remote's version message (Event HandshakeComplete;
	// Disconnect MissingServices: the version refused, whose Services say
	// what the remote offered). Read it, do not change it.
	Version *protocol.MsgVersion
	// RTT is the ping round trip time (Event Pong).
	RTT time.Duration
	// At is when to call Tick next (Wake).
	At time.Time
	// Nonce is the pong's nonce (SendPong).
	Nonce uint64
}
