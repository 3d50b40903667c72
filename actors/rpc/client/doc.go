// Package client calls a Bitcoin Core style JSON-RPC server, such as
// actornode's (package rpc) or bitcoind's: JSON-RPC 1.0 over HTTP POST with
// basic authentication. rpc.ReadCookie reads the credentials of a cookie
// file.
package client
