// Package debughttp serves a node's debug endpoint: the live actor tree
// (/debug/actors), the peers in the shape of Bitcoin Core's getpeerinfo
// (/debug/peers) and the Go profiler (/debug/pprof/).
//
// Every answer is gathered by asking the actors with a deadline
// (inspect.Ask, inspect.Tree), never by reading their state from another
// goroutine; an actor that does not answer in time is shown as unresponsive.
// The endpoint listens on loopback by default: it shows addresses of peers
// and profiles of the process.
package debughttp
