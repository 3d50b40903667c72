package machine

import "github.com/actornode/actornode/protocol"

// Restrictions are what a connection's type takes away from it, as Core
// decides by connection type (RejectIncomingTxs, SetupAddressRelay).
type Restrictions struct {
	// NoTxRelay: our version says relay=false, and a tx message, or an inv
	// of a transaction, disconnects (TxRelayViolation). Core: outbound
	// block-relay-only and feeler connections.
	NoTxRelay bool
	// NoAddrRelay: addr and addrv2 are ignored unread, whatever their
	// size. Core: outbound block-relay-only connections, which take no
	// part in address relay either way.
	NoAddrRelay bool
}

// Restrict applies r to the connection. Call it after Init and before
// Start.
func (m *Machine) Restrict(r Restrictions) { m.restrict = r }

// Restrictions returns what Restrict applied.
func (m *Machine) Restrictions() Restrictions { return m.restrict }

// hasTx reports whether an inv names a transaction (Core's IsGenTxMsg).
func hasTx(invs []protocol.InvVect) bool {
	for _, inv := range invs {
		switch inv.Type {
		case protocol.InvTypeTx, protocol.InvTypeWitnessTx, protocol.InvTypeWTx:
			return true
		}
	}
	return false
}
