// Package machine is the peer's protocol logic as a sans-I/O state machine:
// the version handshake, feature negotiation (wtxidrelay, sendaddrv2,
// sendheaders, sendcmpct, feefilter), ping and pong, and the timeouts around
// them, following Bitcoin Core's net_processing.cpp.
//
// It owns no goroutine, socket, timer, clock or randomness. Each input is a
// method that carries the current time (Start, Received, Tick, Disconnect,
// Closed); each appends what to do to a caller's slice of Output: send a
// message, disconnect for a Reason, report an Event, forward a message to the
// dispatcher, or wake the machine at a time. Admit decides, before a frame
// is decoded, whether it will be used at all (Core's order of checks, the
// services we offer, the commands someone handles), and DecodeFailed what a
// malformed message costs, so that every rule about what the remote may
// send sits here (a cmpctblock, say, is read only from a remote that sent
// sendcmpct of version 2, Core's m_provides_cmpctblocks). A negotiation
// message is recorded here; the first sendheaders of a connection is also
// forwarded, once, for the chain, which decides how blocks are announced.
// Flow, beside Machine, is the peer's receive budget: when
// the peer processes what io posted and when it holds it unacknowledged
// (sending paused, too much in flight at the handlers, work a handler left
// for later), and when that work goes back to its handler. The peer actor
// is a thin shell that decodes frames, feeds the machine and the flow and
// carries out their outputs; tests drive them with plain values.
//
// The package imports only protocol and the standard library, so the
// compiler keeps actors and sockets out of it.
package machine
