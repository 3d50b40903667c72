package machine

import (
	"errors"

	"github.com/actornode/actornode/protocol"
)

// MaxNotFoundProcessed is the most entries of a notfound that are looked
// at: a longer one is read and ignored (Core: MAX_PEER_TX_ANNOUNCEMENTS +
// MAX_BLOCKS_IN_TRANSIT_PER_PEER, 5000 + 16).
const MaxNotFoundProcessed = 5000 + 16

// Handlers says which commands someone processes beyond the machine: the
// dispatcher's routes (dispatcher.Routes). It must be safe for concurrent
// use.
type Handlers interface {
	Handles(cmd string) bool
}

// Admit decides, from a received message's command alone and before a
// byte of its payload is decoded, what becomes of it, as Core's
// ProcessMessage does before it deserializes: it reports whether to decode
// the message and feed it to Received. It appends a Disconnect when the
// command alone breaks a rule. Everything else it refuses is ignored
// unparsed, so that a byte on the wire turns into memory only when the
// message will be used:
//
//   - before the remote's version, everything but version ("non-version
//     message before version handshake"); after it, a redundant version;
//   - before verack, everything but the negotiation messages (verack,
//     sendheaders, sendcmpct, wtxidrelay, sendaddrv2: "Unsupported
//     message prior to verack"); after it, a redundant verack;
//   - after verack, wtxidrelay and sendaddrv2 disconnect; filterload,
//     filteradd, filterclear and mempool disconnect unless we offer
//     NODE_BLOOM (see serviceRule);
//   - cmpctblock from a remote that never sent sendcmpct of version 2
//     (protocol.CmpctBlocksVersion): Core's cmpctblock handler ignores it
//     before reading it ("sent us a compact block despite never having
//     sent us a SENDCMPCT");
//   - commands the protocol does not know, and those no handler processes
//     (Settings.Handlers), such as tx while we keep no mempool.
func (m *Machine) Admit(cmd string, out []Output) (bool, []Output) {
	switch {
	case m.phase == PhaseNew || m.phase == PhaseClosed:
		return false, out
	case m.remote == nil || cmd == protocol.CmdVersion:
		return cmd == protocol.CmdVersion && m.remote == nil, out
	}
	switch cmd {
	case protocol.CmdVerack:
		return m.phase != PhaseReady, out
	case protocol.CmdSendHeaders, protocol.CmdSendCmpct:
		return true, out
	case protocol.CmdWtxidRelay, protocol.CmdSendAddrV2:
		if m.phase == PhaseReady {
			return false, m.disconnect(ProtocolViolation, out)
		}
		return true, out
	}
	if m.phase != PhaseReady {
		return false, out
	}
	switch cmd {
	case protocol.CmdPing, protocol.CmdPong, protocol.CmdFeeFilter:
		return true, out
	case protocol.CmdGetCFilters, protocol.CmdGetCFHeaders, protocol.CmdGetCFCheckpt:
		if !m.cfg.Services.Has(protocol.SFNodeCompactFilters) {
			// Core reads these before it refuses them (a malformed one
			// is dropped instead): Received disconnects.
			return true, out
		}
	}
	if r := m.serviceRule(cmd); r != ReasonNone {
		return false, m.disconnect(r, out)
	}
	switch {
	case m.restrict.NoTxRelay && cmd == protocol.CmdTx:
		// Core disconnects before it reads the transaction.
		return false, m.disconnect(TxRelayViolation, out)
	case m.restrict.NoTxRelay && cmd == protocol.CmdInv:
		return true, out // read for transactions, which disconnect
	case m.restrict.NoAddrRelay && (cmd == protocol.CmdAddr || cmd == protocol.CmdAddrV2):
		// Core's ProcessAddrs ignores them whatever they hold
		// ("ignoring addr message from block-relay-only peer").
		return false, out
	case cmd == protocol.CmdCmpctBlock && !m.providesCmpct:
		return false, out
	}
	if h := m.cfg.Handlers; h != nil && !h.Handles(cmd) {
		return false, out
	}
	return protocol.CommandID(cmd) != 0, out
}

// serviceRule returns why a request for a service we do not offer
// disconnects, as Core's ProcessMessage does whatever the payload:
// filterload, filteradd, filterclear ("... received despite not offering
// bloom services") and mempool ("mempool request with bloom filters
// disabled") without NODE_BLOOM; getcfilters, getcfheaders and
// getcfcheckpt ("peer requested unsupported block filter type") without
// NODE_COMPACT_FILTERS. ReasonNone when cmd is not refused.
func (m *Machine) serviceRule(cmd string) Reason {
	switch cmd {
	case protocol.CmdFilterLoad, protocol.CmdFilterAdd, protocol.CmdFilterClear, protocol.CmdMempool:
		if !m.cfg.Services.Has(protocol.SFNodeBloom) {
			return ServiceNotOffered
		}
	case protocol.CmdGetCFilters, protocol.CmdGetCFHeaders, protocol.CmdGetCFCheckpt:
		if !m.cfg.Services.Has(protocol.SFNodeCompactFilters) {
			return ServiceNotOffered
		}
	}
	return ReasonNone
}

// DecodeFailed tells the machine that a message Admit let through did not
// decode (err from protocol.Decode). Like Core, which drops a message whose
// deserialization throws, most are dropped and the connection goes on; a
// malformed first version disconnects (there is no connection without
// one). After the handshake, a list longer than its message allows
// (protocol.ErrTooMany) costs what Core makes it cost: addr and addrv2
// over 1000, inv and getdata over 50,000 and headers over 2000 are
// misbehaviour (TooManyEntries, which discourages); a getheaders or
// getblocks locator over 101 disconnects (ProtocolViolation); in any other
// message (notfound, which Core reads whatever its length, or a count past
// the largest CompactSize, which Core's reader refuses) it is dropped. A
// sendcmpct whose announce byte is not 0 or 1 (protocol.ErrBadAnnounce) is
// misbehaviour, before the handshake's verack as after it, as in Core. A
// pong too short for its nonce cancels the outstanding ping, as Core's
// ProcessPong does ("Short payload"), so the peer is not timed out for it.
func (m *Machine) DecodeFailed(cmd string, err error, out []Output) []Output {
	switch {
	case m.phase == PhaseNew || m.phase == PhaseClosed:
		return out
	case cmd == protocol.CmdPong && m.phase == PhaseReady:
		m.pingNonce = 0
		return out
	case cmd == protocol.CmdVersion && m.remote == nil:
		return m.disconnect(ProtocolViolation, out)
	case cmd == protocol.CmdSendCmpct && m.remote != nil && errors.Is(err, protocol.ErrBadAnnounce):
		return m.disconnect(InvalidSendCmpct, out)
	case m.phase != PhaseReady || !errors.Is(err, protocol.ErrTooMany):
		return out
	}
	switch cmd {
	case protocol.CmdAddr, protocol.CmdAddrV2, protocol.CmdInv, protocol.CmdGetData, protocol.CmdHeaders:
		return m.disconnect(TooManyEntries, out)
	case protocol.CmdGetHeaders, protocol.CmdGetBlocks:
		return m.disconnect(ProtocolViolation, out)
	}
	return out
}

// Ignored tells the machine that a message Admit refused to decode was
// dropped unparsed. Core reads a list before it asks whether it needs it,
// so a list over its limit is misbehaviour (TooManyEntries) even when no
// handler here would use it, as an inv is while we keep no mempool. Only
// the leading count is read, no entry is decoded: an inv or getdata over
// 50,000 entries, an addr or addrv2 over 1000, counted only when the payload
// holds that many entries at their smallest (Core reads the whole list
// before it checks the count, and a short one throws first); headers over
// 2000, whatever follows (Core checks that count before it reads a header).
func (m *Machine) Ignored(cmd string, payload []byte, out []Output) []Output {
	if m.phase != PhaseReady {
		return out
	}
	if m.restrict.NoAddrRelay && (cmd == protocol.CmdAddr || cmd == protocol.CmdAddrV2) {
		return out // ignored before its size is looked at, as in Core
	}
	var limit uint64
	var minEntry int
	switch cmd {
	case protocol.CmdInv, protocol.CmdGetData:
		limit, minEntry = protocol.MaxInvPerMsg, protocol.InvVectSize
	case protocol.CmdAddr:
		limit, minEntry = protocol.MaxAddrPerMsg, 30 // time, services, IPv6, port
	case protocol.CmdAddrV2:
		limit, minEntry = protocol.MaxAddrPerMsg, 9 // time, services, network, empty address, port
	case protocol.CmdHeaders:
		limit = protocol.MaxHeadersPerMsg
	default:
		return out
	}
	n, k, err := protocol.ReadCompactSize(payload)
	if err != nil || n <= limit || n*uint64(minEntry) > uint64(len(payload)-k) {
		return out
	}
	return m.disconnect(TooManyEntries, out)
}
