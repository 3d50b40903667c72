// Package debughttp serves a node's debug endpoint:
//
//	/debug/          a page that draws the actor tree and the peer table and
//	                 refreshes itself (package web, embedded in the binary)
//	/debug/actors    the live actor tree (JSON): path, parent, kind, children,
//	                 mailbox length, messages processed, restarts, uptime and
//	                 each actor's own summary
//	/debug/peers     the peers in the shape of Bitcoin Core's getpeerinfo
//	/debug/net       the node in the shape of getnetworkinfo
//	/debug/log       the debug log categories; PUT or POST a JSON body
//	                 {"debug":["net"]} replaces them, {"include":[..]} /
//	                 {"exclude":[..]} changes some
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
// what the node logs. So Handler puts every route behind a guard that a web
// page of another site cannot pass: the client must be loopback or in
// Source.AllowIP; the Host must name the endpoint (Source.Listen, a
// loopback IP or localhost, with its port), which defeats DNS rebinding; a
// browser's marks of another origin (Sec-Fetch-Site, Origin) are refused; a
// change must be application/json, which needs a CORS preflight this
// endpoint never grants; the profiles are refused to a browser that sends
// no Sec-Fetch-Site; /debug/pprof/cmdline redacts secret flags (RedactArgs).
// The node serves it with package httplimit's timeouts and connection cap.
package debughttp
