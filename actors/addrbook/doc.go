// Package addrbook is the address book actor: the node's memory of the
// addresses of other nodes, in the role of Bitcoin Core's addrman.
//
// # What it owns
//
// A table of IP addresses keyed by netip.AddrPort, each with its service
// bits, the address it was learnt from, when it was last seen, last tried
// and last connected, and how many attempts failed since. Tor v3, I2P and
// CJDNS addresses learnt from addrv2 are kept apart: they are passed on in
// addrv2 answers but never offered for dialling. This first version keeps a
// flat table behind the actor's messages; a bucketed, Core-style table with
// a file can replace it without changing them.
//
// # What it takes and emits
//
//   - At start it registers with the dispatcher for addr, addrv2 and
//     getaddr. Delivered addr and addrv2 messages add their entries (at most
//     1000 per message; unspecified, port-0 and non-routable addresses are
//     skipped, except that regtest accepts local ones).
//   - A getaddr from an inbound peer is answered once per connection with a
//     random sample of up to 1000 addresses, as *peer.SendMessage carrying
//     addr, or addrv2 when the peer sent sendaddrv2. A getaddr from an
//     outbound peer is ignored, as Core does.
//   - connmgr sends *Connected after each handshake (an outbound peer is
//     marked good and sent getaddr), *Disconnected when it ends, *Attempt
//     after each dial, and *Candidates to fill its outbound slots.
//   - *Add adds addresses from elsewhere; *GetAddrs returns a snapshot;
//     *inspect.Describe is answered with kind "addrbook".
//
// # Seeding
//
// With Config.DNSSeed on, an empty book resolves the DNS seeds (A and AAAA)
// at once; a book that already holds addresses waits 11 seconds and seeds
// only if fewer than two outbound peers have connected, as Core does. The
// lookups run on a goroutine of their own. When no seed answers, the fixed
// seeds are added (Config.FixedSeeds), "DNS seeds unreachable" is logged
// once at Warn and seeding is retried after 10 s, doubling up to 10 min,
// until a seed answers or an outbound peer connects.
package addrbook
