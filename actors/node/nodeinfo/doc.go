// Package nodeinfo gathers what a running node says about its network and
// its peers, in the shapes of Bitcoin Core's getnetworkinfo (Network) and
// getpeerinfo (Peers).
//
// Both answers are gathered by asking the node's actors with a deadline
// (inspect.Ask): connmgr for its peer table and our own addresses, each
// peer actor for its entry, concurrently. Nothing reads an actor's state
// from another goroutine. Identity is what the node says about itself; the
// node builds it once from its configuration.
//
// The package reads the node and serves nobody: the debug endpoint
// (debughttp, /debug/peers and /debug/net) and the JSON-RPC server (rpc,
// getpeerinfo and getnetworkinfo) both call it, so the two fronts give the
// same answers and neither imports the other. Like inspect.Ask, Peers and
// Network block their caller: call them from outside the actor system (an
// HTTP handler, a test), never from an actor's Receive.
package nodeinfo
