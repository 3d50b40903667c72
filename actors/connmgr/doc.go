// Package connmgr is the connection manager actor: the single writer of the
// peer table and of every connection lifecycle decision (dial, admit,
// ban, reconnect), in the role of Bitcoin Core's CConnman open-connections
// and added-connections threads.
//
// # What it owns
//
// The peer table (one row per open connection that has a peer actor), the
// pending dials, the manual nodes (Config.Connect, Config.AddNode and the
// AddNode command; Config.SeedNode, each dialled once as an addr-fetch
// connection that the address book closes once it has answered getaddr),
// the in-memory ban list and the listeners. Peers and io report; connmgr
// decides.
//
// Every decision is made by the sans-I/O machine of package
// connmgr/machine, which holds all of that state; the actor is a shell that
// turns each message into one of the machine's inputs and carries out the
// actions it returns (sends to io, the address book, the parent, peers'
// spawns, the ban file, the heartbeat timer, log lines).
//
// # Lifecycle of a connection
//
// Every 500 ms connmgr looks at its work: manual nodes due for an attempt
// (host names are resolved on a goroutine of its own), and free automatic
// outbound slots, for which it asks the address book (*addrbook.Candidates,
// excluding what is connected or pending, one address per /16 like Core).
// It sends io *transport.Dial; on *transport.Dialed it spawns the peer as
// its child "peer-<ID>" (PeerProps) and sends io *transport.Attach. Once
// the automatic slots are full, a feeler connection (Core's FEELER) goes
// out about every two minutes (Config.FeelerInterval), one at a time: to
// the tried address a pending tried-table collision would evict (its test)
// or to an address of the new table. Its handshake makes the address good
// in the book, and connmgr closes it (ReasonFeelerDone); a failure counts
// against the address.
//
// # Block-relay-only connections and extra peers
//
// After the full-relay slots, Config.MaxBlockRelay block-relay-only slots
// (Core's BLOCK_RELAY, two) are filled the same way, in network groups
// apart from every other outbound connection. Their peers' version says
// relay=false and they ignore the remote's addr and addrv2 and disconnect
// on a transaction (peer.Config.BlockRelayOnly); the address book marks
// their address good and nothing more: no getaddr, no address of ours, no
// relay. At a clean stop their addresses go to Config.AnchorsFile (Core's
// anchors.dat format); the next start reads and removes it and dials them
// first, as block-relay-only. The chain actor tells connmgr what Core's
// CheckForStaleTipAndEvictPeers reads of the chain: *BlockAnnounced (a
// peer gave a new best header), *ChainProtected, *TryNewOutbound (the
// stale-tip verdict, every 10 minutes: while stale, one full-relay peer
// beyond the slots is dialled) and *StartExtraBlockRelay (initial sync is
// over: an extra block-relay-only peer about every 5 minutes). Every 45 s
// the machine evicts the extras as Core's EvictExtraOutboundPeers: the
// youngest block-relay-only peer unless it gave a block more recently
// than the next-youngest; the full-relay peer whose last block
// announcement is oldest (ties: the youngest), sparing protected peers
// and a network's only full-relay or manual connection, once connected
// 30 s; that clears the stale-tip flag.
//
// *transport.Accepted is admitted unless the address is banned or its
// source group (IPv4 /24, IPv6 /64) already has MaxHandshakingPerGroup
// inbound connections in their handshake (half-open connections end at
// the peer's handshake timeout). When the inbound slots (MaxConnections
// minus the full-relay, block-relay-only and feeler slots) are full, an inbound peer is evicted as Core's
// AttemptToEvictConnection does (protecting distinct network groups, the
// best ping times and the longest-connected half, then taking the youngest
// of the most crowded /16), or, when every one is protected, the new
// connection is closed with ReasonInboundFull. Up to half of the peers
// protected by uptime may be loopback peers, the longest connected, as
// Core reserves such slots for disadvantaged networks.
//
// So that a flood of connections cannot outrun these decisions into the
// process's descriptors, connmgr gives io, before it listens, caps it
// applies without asking (*transport.AcceptLimits): io accepts nothing
// while Config.MaxUndecided (256) accepted connections are undecided, or
// while it holds the inbound slots plus that many inbound connections; the
// rest waits in the kernel's listen backlog, and none is dropped for a cap
// (as Core, which accepts only as fast as it decides). Admission itself
// stays here.
//
// The machine decides what each connection must offer (Spawn's
// ExpectServices, passed in peer.Config): an automatic outbound or
// addr-fetch peer whose version lacks NODE_NETWORK or NODE_WITNESS is
// refused by its peer before verack (peer.MissingServices, Core's "peer
// does not offer the expected services"), and the address book hears of a
// failed attempt. A peer that breaks a rule Core calls Misbehaving for reports
// itself with *peer.Misbehaved (an operator or a test may send *Misbehaved):
// as Core's MaybeDiscourageAndDisconnect, a manual peer is kept, a loopback
// one closed, any other closed with every connection from its address, and
// the address discouraged (Core's BanMan discouragement): not dialled,
// refused inbound when the inbound slots are nearly full, evicted first
// otherwise. The report counts even when the peer's end was handled first
// (its termination, a system message, overtakes it): the machine remembers
// the last 1024 peers that left. Like Core, discouragement shows in no RPC:
// listbanned lists bans only, getpeerinfo has no field for it, clearbanned
// leaves it.
//
// The address book hears of every change of the bans and of the
// discouraged addresses (*addrbook.BanFilter, at most every 500 ms, and
// every minute while not empty): it neither stores nor hands out such
// addresses.
//
// A connection ends with io's *transport.Closed, sent to both connmgr and
// the peer, which then stops. System messages overtake user messages, so
// the peer's *actor.Terminated may arrive first: cleanup is idempotent,
// runs on whichever comes first, frees the slot, tells the address book
// (*addrbook.Disconnected, or a failed *addrbook.Attempt for an outbound
// connection that never completed its handshake) and schedules the
// reconnection of a manual node (1 s doubling to 2 minutes, reset by a
// handshake). A peer that stops while its connection is open (it crashed:
// the supervisor stops, never restarts, a failing peer) gets its connection
// closed. *peer.Handshaken marks the row and is passed on to the address
// book as *addrbook.Connected.
//
// # Operator commands
//
// *Ban, *Unban, *ListBans, *ClearBans; *Misbehaved; *GetPeers; *AddNode (add, remove,
// onetry); *DisconnectNode; *GetListeners (the node waits on it at start);
// *inspect.Describe, answered with kind "connmgr" and the peers as
// children. A listener that cannot be opened is reported to the parent as
// *ListenFailed: Core refuses to start then, and the node decides.
//
// Log lines at Info: "listening", "connecting", "connected", "accepted",
// "refused inbound connection", "disconnected" (peer, addr, reason).
package connmgr
