// Package rpc is a JSON-RPC server that bitcoin-cli and other Bitcoin Core
// RPC clients understand: JSON-RPC 1.0 over HTTP POST (2.0 requests are
// answered in 2.0's shape, batches as arrays), HTTP basic authentication
// with -rpcuser/-rpcpassword or, without a password, a cookie file
// (".cookie" in the data directory, "__cookie__:<random hex>", written
// atomically at start and removed at stop), clients admitted by -rpcallowip
// (loopback only by default), further users as Core's -rpcauth lines
// (salted HMAC-SHA256, ParseRPCAuth), and Core's error codes and HTTP
// statuses.
//
// It holds like Core's HTTP server: requests run on Config.Threads workers
// (-rpcthreads) behind a queue of Config.WorkQueue (-rpcworkqueue), one more
// is answered 503 "Work queue depth exceeded"; authentication runs on the
// worker and a wrong password holds it 250 ms, so guessing is bounded by
// the workers, not the connections; secrets are compared in constant time.
// Idle clients are dropped after Config.Timeout (-rpcservertimeout),
// headers capped at 8 KiB, bodies at 32 MiB, connections at
// Config.MaxConns (package httplimit).
//
// It implements Core's network methods with Core's names, parameters and
// result shapes: getpeerinfo, getnetworkinfo, getconnectioncount,
// getnettotals, addnode, disconnectnode, getaddednodeinfo, setban,
// listbanned, clearbanned, getnodeaddresses, ping, uptime, stop and help.
// Every answer is gathered by asking the node's actors with a deadline
// (inspect.Ask), never by reading their state.
//
// The node starts a Server when -server is set; package rpc/client is the
// matching client, used by actornode's subcommands.
package rpc
