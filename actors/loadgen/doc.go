// Package loadgen is actornode's own Bitcoin P2P load generator and
// simulator, for measuring a node (ours or any other) on loopback and for
// trying large topologies without sockets.
//
// # Against a listening node
//
// Handshake, Ping and Idle open many connections to a target,
// each from its own source address (127.j.k.1, each in its own /24, so a
// node's per-group limit on handshakes in progress does not apply), and
// report what p2pload (../shared/p2pload) reports for the same figures
// (Target.V2, -v2 on the command line: over BIP324's v2 transport, which
// p2pload does not speak; the table runs the handshake and 10 x 16 ping
// figures both ways):
//
//   - Handshake: N connections, C dialling at a time, each done when the
//     target's version and verack arrived: handshakes per second.
//   - Ping: N handshaken peers each keeping Depth pings in flight: pongs per
//     second and round-trip percentiles.
//   - Idle: N handshaken peers held idle: the target's resident memory per
//     peer and its CPU while they idle (from /proc/PID).
//
// Table runs the figures of the speed issue against a fresh target process
// for each (the node binary, optionally limitserver beside it), the median
// of several runs, and formats the table; cmd/loadgen is its command line
// and `make loadtest` runs it.
//
// # A header sync between two nodes
//
// HeaderSync writes a chain of regtest headers (WriteRegtestHeaders, real
// proof of work) into a source node's header store, starts the node binary
// on it, and syncs a fresh node process from it over loopback, plainly
// and with -minimumchainwork at half the chain (so that the syncing node
// presyncs first). It reports the time, headers per second, the syncing
// node's Go heap after a GC (the debug endpoint's heap profile with gc=1,
// then its /metrics) and peak RSS (VmHWM) per header beside its
// headers.dat, and its peak memory while presyncing; `make syncbench`
// runs it at a million headers.
//
// # Without sockets
//
// Sim runs a real node (actors/node: connmgr, peers, dispatcher, address
// book) over the in-memory network of actors/actortest and connects tens
// of thousands of simulated peers to it, each a real outbound peer actor:
// handshakes, then pings both ways. It reports heap per connection and
// messages per second (`make sim`).
package loadgen
