// Package cli holds actornode's subcommands that talk to a running node:
//
//	actornode peers          the connected peers (getpeerinfo), as a table
//	actornode tree           the live actor tree, drawn as text
//	actornode addnode ADDR   keep ADDR connected (addnode ADDR add; -onetry: once)
//	actornode stop           stop the node
//
// peers and tree read the node's debug endpoint (on by default, -debugaddr);
// addnode and stop call its JSON-RPC server (-server), authenticating with
// -rpcuser/-rpcpassword or the cookie in the data directory. peers uses the
// RPC server when it answers and the debug endpoint otherwise. When no node
// answers, the message says where it looked and how to start one.
package cli
