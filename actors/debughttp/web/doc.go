// Package web is the debug endpoint's page: one HTML file with its script
// and style, embedded in the binary (embed.FS), that draws the live actor
// tree and the peer table from /debug/actors and /debug/peers and refreshes
// itself. It loads nothing from the network beyond the node's own endpoint.
//
// The page's refresh period is 2 s; ?refresh=MS changes it (at least 100).
package web
