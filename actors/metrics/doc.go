// Package metrics turns what a node does into Prometheus metrics, on a
// registry of the node's own (never the default registry, never
// protoactor's WithDefaultPrometheusProvider, which would serve on :2222).
//
// Actors report domain events through small interfaces (Peer, Chain); the
// implementation behind them is lock-free and allocation-free, so a peer
// may report every frame. What the node already knows in its actors (peers
// by direction, address book sizes, io's counters, each actor's mailbox
// depth and restarts) is not reported as events at all: it is gathered when
// /metrics is scraped, by a Snapshot function the node provides.
//
// Labels are fixed sets: a message command (known commands, else "other"),
// a direction, an actor kind. Never a peer id or an address.
//
// The families:
//
//	actornode_peers{direction}                        gauge
//	actornode_messages_total{command,direction}       counter
//	actornode_message_bytes_total{command,direction}  counter
//	actornode_handshake_duration_seconds{direction}   histogram
//	actornode_ping_seconds                            histogram
//	actornode_io_batch_frames                         histogram
//	actornode_io_wakeups_total                        counter
//	actornode_io_connections                          gauge
//	actornode_io_bytes_total{direction}               counter
//	actornode_io_bytes_queued                         gauge
//	actornode_mailbox_depth{kind}                     gauge
//	actornode_actor_restarts_total{kind}              counter
//	actornode_actors{kind}                            gauge
//	actornode_addrbook_addresses{table}               gauge
//	actornode_header_height                           gauge
//	actornode_header_sync_rate                        gauge (headers/s)
//	actornode_headers_added_total                     counter
//	actornode_header_reorgs_total                     counter
//	actornode_header_reorg_depth                      histogram
//
// plus the Go runtime and process collectors.
package metrics
