// Package debughttp serves a node's debug endpoint:
//
//	/debug/          a page that draws the actor tree and the peer table and
//	                 refreshes itself (package web, embedded in the binary)
//	/debug/actors    the live actor tree (JSON): path, parent, kind, children,
//	                 mailbox length, messages processed, restarts, uptime and
//	                 each actor's own summary
//	/debug/peers     the peers in the shape of Bitcoin Core's getpeerinfo
//	/debug/net       the node in the shape of getnetworkinfo
//	/debug/log       the debug log categories; PUT or POST ?debug=net,addrman
//	                 replaces them, ?include=X / ?exclude=X changes one
//	/debug/addrbook  the address book; /debug/nat the port mapping
//	/debug/routes    this list, as text
//	/metrics         Prometheus metrics (the node's own registry)
//	/debug/pprof/    the Go profiler
//
// Every answer is gathered by asking the actors with a deadline
// (inspect.Ask, inspect.TreeWithStats), never by reading their state from
// another goroutine; an actor that does not answer in time is shown as
// unresponsive. /debug/peers and /debug/net are gathered by package
// nodeinfo, which the JSON-RPC server calls too.
//
// The endpoint listens on loopback by default and is not authenticated: it
// shows peers' addresses and the process's profiles, and /debug/log changes
// what the node logs.
package debughttp
