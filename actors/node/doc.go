// Package node builds and runs an actornode: it is the composition root
// that main.go and programs embedding a node call.
//
// New checks a Config (every key of config.yaml, each also a flag) and the
// options, and returns a node that is not yet running; Start refuses a
// corrupt address book file as Core refuses a corrupt peers.dat (the error
// names the file to move away), then spawns the actor tree (io, dispatcher with its handlers, addrbook, connmgr with one
// peer per connection, nat when port mapping or own addresses are on),
// waits until the listeners are bound, then starts the debug endpoint
// (debughttp) and, with -server, the JSON-RPC server (rpc); Stop stops it
// all in order and waits. Done is closed once the node has stopped.
//
// What a program may replace goes in options: WithIO puts another io in
// place of transport's (the in-memory network of actors/actortest, so
// several nodes run in one process), WithPeerProps replaces the peer
// actors, WithLogger, WithClock and WithVersion the rest. The node's actors
// are reachable once it runs (ConnMgr, AddrBook, Dispatcher, IO, NAT), as
// are its metrics and each actor's mailbox counters.
//
// The node's files live in Config.DataDirOrDefault (under -datadir, each
// network's subdirectory, as Core's), which a running node holds locked
// (.lock): a second node there fails to start with Core's message. A stop
// gives HTTP requests in flight HTTPGrace, then cuts them, so the tree's
// ordered stop (and the address book's final save) always runs. A panic in
// a child of the root is not answered with a restart, which would lose
// what the others know of it (io's listeners, connmgr's peer table, the
// dispatcher's registrations): it is logged at Error, the tree stops in the
// same order, and Stop returns an *ActorFailure.
//
// Subpackages: nodeinfo gathers what the node says about its network and
// peers (getnetworkinfo, getpeerinfo) for the debug endpoint and the RPC
// server alike; nodetest runs real nodes on loopback for tests.
package node
