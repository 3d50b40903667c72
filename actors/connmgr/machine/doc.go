// Package machine is the connection manager's decisions as a sans-I/O state
// machine: the peer table, the automatic outbound slots (full-relay and
// block-relay-only, with the anchors of the last run) and their diversity
// by network group, the extra outbound peers of a stale tip and after
// initial sync and their eviction (Core's EvictExtraOutboundPeers),
// feelers on their exponential timer, inbound admission
// and eviction (Core's AttemptToEvictConnection), bans and their expiry,
// manual nodes and their retry backoff, our own addresses, and the
// operator's commands, following Bitcoin Core's net.cpp.
//
// It owns no goroutine, socket, timer, clock or randomness it was not
// handed. Each input is a method named for what happened (Tick, Dialed,
// Accepted, Spawned, Handshaken, Closed, PeerStopped, Candidates, Resolved,
// Ban, AddNode, ...) that carries the current time and appends to a
// caller's slice the Actions to take: cap io's accepted connections,
// listen, dial, resolve a name, spawn a peer, close a connection with its
// Reason, ask the address book for candidates or report to it, save the
// bans, wake the machine at a time, log a line. Queries (Peers, Bans, AddedNodes, LocalAddrs, Listeners,
// Summary) return values. The connmgr actor is a thin shell that turns
// messages into inputs and actions into messages; tests drive the machine
// with plain time values, over hours of simulated time in microseconds.
//
// The package imports only protocol and the standard library (not net),
// so the compiler keeps actors and sockets out of it.
package machine
