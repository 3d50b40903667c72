// Package addrbook is the address book actor: the node's memory of the
// addresses of other nodes and its part in addr gossip, in the role of
// Bitcoin Core's addrman and the address half of its net_processing.
//
// # What it owns
//
// A new and a tried table in the manner of Core's addrman (book.go): 1024
// new buckets and 256 tried buckets of 64 slots. An address's new bucket is
// chosen by a keyed hash of its network group (Core's GetGroup, from
// protocol/netaddr: /16 for IPv4 and IPv6 that carries IPv4, /32 for IPv6,
// the first 4 bits of Tor v3 and I2P keys) and of the group of the peer
// that told us, so one source group reaches at most 64 new buckets and one
// address group at most 8 tried buckets: no source and no group can fill
// the book. The key is a secret made on first start and kept in the file.
// An address that completes a handshake moves to tried; when its tried
// slot is taken, the holder is first offered for dialling as a test and
// only evicted (back to new) when it fails to connect (test-before-evict).
// Terrible addresses (not seen for 30 days, from the future, failing) give
// their slots to new ones and are never gossiped. Tor v3, I2P and CJDNS
// addresses are kept and passed on in addrv2, never dialled.
//
// # The file
//
// FileName in the data directory (Config.File): versioned and checksummed
// (file.go), loaded at start and written atomically (temporary file, fsync,
// rename, fsync of the directory) every 15 minutes on a goroutine and at
// stop. As Core with peers.dat: a file of another version is moved to
// FileName + ".bak" and the book starts empty; a corrupt, truncated or
// unreadable one is a *CorruptFileError from CheckFile, which the node calls
// before it starts, so it refuses to start and names the file for the
// operator to move away (starting empty would quietly mean seeding from DNS
// again). Should the actor meet such a file anyway (a program spawned it
// without CheckFile, a supervisor restarted it, or the file was damaged
// after the check), it starts empty, logs the reason at Error and keeps the
// file as FileName + ".corrupt" (".corrupt.1", ... if that name is taken:
// no copy is ever replaced).
//
// # What it takes and emits
//
//   - At start it registers with the dispatcher for addr, addrv2 and
//     getaddr.
//   - Address relay, as Core's SetupAddressRelay: an outbound full-relay
//     or addr-fetch peer is in it from the handshake, an inbound peer from
//     its first addr, addrv2 or getaddr; feelers and block-relay-only
//     peers never are, and their addr and addrv2 are ignored. A peer
//     outside relay is sent nothing by it: no address of ours, no relayed
//     news, nothing scheduled.
//   - Delivered addr and addrv2 messages spend one token per address from
//     the sending peer's bucket (0.1 a second, burst 1000, 1 at the
//     connection's start, whenever relay begins, and 1000 more when we ask
//     getaddr); the rest are dropped and counted (Addrs.RateLimited).
//     Usable addresses are added with the peer as source, second-hand ones
//     aged by two hours; unspecified, port-0 and
//     addresses Core's IsRoutable refuses are skipped (regtest accepts
//     local ones), and so are those whose services hold neither
//     NODE_NETWORK nor NODE_NETWORK_LIMITED. Fresh news (seen in the last
//     10 minutes, in a message of at most 10) is relayed to the one or two
//     peers in relay chosen for that address for the day, skipping those
//     known to have it.
//   - What a peer is sent (relayed news, getaddr answers) waits in its
//     queue of up to 1000 addresses and goes in one message at its next
//     send time, exponential with mean 30 s (Core's m_addrs_to_send and
//     m_next_addr_send); the first message to a peer goes at once.
//   - A getaddr from an inbound peer is answered once per connection, as
//     *peer.SendMessage carrying addr, or addrv2 when the peer sent
//     sendaddrv2, from an answer built once and kept for about a day, one
//     per network of the asker and local socket it reached
//     (Connected.LocalSocket), as Core's: 23% of the book, at most 1000,
//     never the peer's own address; it replaces what waited in the
//     peer's queue, as Core's. On regtest
//     only, a book of up to 16 is given whole (and rebuilt while it grows),
//     so that a young local network finds itself; Core gives nothing below
//     5 addresses.
//     A getaddr from an outbound peer is ignored, as Core does.
//   - connmgr sends *Connected after each handshake (an outbound peer is
//     marked good, told our address and sent getaddr; an addr-fetch peer,
//     from -seednode, is told to disconnect once it answers, or after 5
//     minutes), *Disconnected when it ends, *Attempt after each dial, and
//     *Candidates to fill its outbound slots (tried or new with even odds,
//     addresses not tried lately first, those on another service's port
//     (netaddr.IsBadPort) only after 50 picks, never the same address
//     twice in a row while there are others).
//   - Our own address (Connected.Local, when routable) is told to a peer
//     as soon as it is in address relay, in a message of its own: an
//     outbound peer at the handshake (after our getaddr), an inbound one
//     at its first addr, addrv2 or getaddr (before the getaddr answer);
//     then about daily (Poisson, mean 24 h) through its queue (Core's
//     MaybeSendAddr). Never while Config.InitialBlockDownload says the
//     node is in initial block download, as Core: the first announcement
//     then waits for the housekeeping tick after it ends.
//   - connmgr sends *BanFilter whenever its bans or discouraged addresses
//     change: gossip of a banned or discouraged address is dropped (the
//     peer is still remembered to know it), and getaddr answers built from
//     then on leave such addresses out, as Core's ProcessAddrs and
//     GetAddresses ask BanMan.
//   - *Add adds addresses from elsewhere; *GetAddrs returns a snapshot (the
//     debug endpoint's GET /debug/addrbook); *inspect.Describe is answered
//     with kind "addrbook".
//
// # Seeding
//
// With Config.DNSSeed on, an empty book resolves the DNS seeds (A and AAAA,
// "x9.<seed>" first as Core asks, then the bare name) at once; a book that
// already holds addresses waits 11 seconds (5 minutes from 1000 addresses)
// and seeds only if fewer than two outbound peers have connected, as Core
// does; with -seednode peers it waits 30 seconds for them first. The
// lookups run on a goroutine of their own. When no seed answers, the fixed
// seeds are added (Config.FixedSeeds), "DNS seeds unreachable" is logged
// once at Warn and seeding is retried after 10 s, doubling up to 10 min,
// until a seed answers or an outbound peer connects.
//
// # What a connection costs
//
// What the book keeps for every connected peer is its conn (128 bytes:
// peer, address, our end of the connection and our address as it sees
// it, the kind of connection) and its entry in the map of connections:
// 160 to 174 bytes of live heap per idle inbound peer, measured with
// 10,000 (BenchmarkIdleInboundPeerCost; 270 while every peer had relay
// state).
// A peer in address relay has besides its relay state (token bucket,
// queue, send times, timers), allocated when relay begins; the set of
// addresses it is known to have, which keeps gossip from sending an
// address back, is made at the first address it knows. Relay and the
// housekeeping tick walk only the peers in relay.
package addrbook
