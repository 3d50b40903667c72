// Package httplimit bounds what a client may hold of the node's HTTP
// servers (the JSON-RPC server and the debug endpoint), as Bitcoin Core's
// HTTP server does (httpserver.cpp):
//
//   - a client idle for the server timeout is dropped, whether it never
//     sends its headers, stalls in its body or keeps an unused connection
//     open (Core's -rpcservertimeout, 30 s by default);
//   - request headers are capped at 8 KiB (Core's MAX_HEADERS_SIZE);
//   - request bodies are capped at 32 MiB (Core's MAX_BODY_SIZE), answered
//     413;
//   - the open connections of one server are capped, so clients cannot
//     spend the process's file descriptors, which the peers need. Core has
//     no such cap; a connection over it is closed at once.
//
// Server builds an http.Server with the timeouts and the header cap; Listen
// wraps a listener with the connection cap.
package httplimit
