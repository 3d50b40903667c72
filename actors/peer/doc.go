// Package peer is the peer actor: one per connection, it speaks the Bitcoin
// protocol with the remote through io.
//
// # What it owns
//
// The connection's protocol state, kept in a sans-I/O state machine
// (package peer/machine): the version handshake, feature negotiation, ping
// and the handshake and ping timeouts, following Bitcoin Core. The actor is a
// thin shell around it: it decodes frames, feeds the machine, and carries out
// what the machine asks (send, disconnect, report, forward, wake up).
//
// # What it takes
//
//   - *transport.Received from io: all complete frames of one read. Each
//     batch is acknowledged exactly once with one *transport.Send carrying
//     every reply (Ack set), even when there is nothing to say.
//   - *transport.SendPaused / *transport.SendResumed: while paused, batches
//     wait unacknowledged (Core's ProcessMessages returns at once on
//     fPauseSend), so io's receive limit stops reading the socket.
//   - *dispatcher.Handled: a handler is done with a message the peer
//     forwarded, perhaps leaving the rest of the work for later
//     (dispatcher.Deliver's Continue).
//   - *transport.Closed: the connection ended; the peer logs the reason and
//     stops.
//   - *SendMessage (encode and send), *Disconnect, *GetInfo (answered with
//     *Info, Core's getpeerinfo entry) and *inspect.Describe.
//
// # What it emits
//
//   - *transport.Send and *transport.Close to Config.IO.
//   - *Handshaken to its parent once version and verack went both ways;
//     *PingTime when its best ping time drops; *Misbehaved when the remote
//     broke a rule Core calls Misbehaving for (see Misbehaviour).
//   - *dispatcher.Deliver to Config.Dispatcher for every message after the
//     handshake that the machine does not handle itself and that has a
//     handler (Config.Routes); a handler's work left for later goes back to
//     that handler alone. The first sendheaders of a connection goes too,
//     before verack as after it (the chain decides how new blocks are
//     announced: headers or inv); repeats are recorded, not forwarded.
//
// # Decoding only what is used
//
// Before it decodes a frame the peer asks its machine (machine.Admit),
// which answers from the command alone, in Core's order: before the
// remote's version only version is decoded, before verack only the
// negotiation messages; after it, a command nobody handles (tx, while we
// keep no mempool) or that the protocol does not know is dropped unparsed,
// counted in bytesrecv_per_msg (unknown ones as "*other*"), never copied;
// a request for a service we do not offer (bloom filters and mempool
// without NODE_BLOOM, compact filters without NODE_COMPACT_FILTERS)
// disconnects; a cmpctblock from a remote that never sent sendcmpct of
// version 2 is ignored unread, as Core's cmpctblock handler does. Frames that fail to decode are counted and dropped, like
// Core; a malformed first version closes the connection, as does one
// lacking a service the connection expects (Config.ExpectServices, which
// connmgr sets for its automatic outbound connections: MissingServices,
// before our verack, as Core's VERSION handler), and so, after the
// handshake, does a locator over 101 hashes; a list longer than its
// message allows in addr (1000), inv and getdata (50,000) or headers
// (2000) is misbehaviour; too long a notfound Core reads and ignores.
// A block-relay-only connection (Config.BlockRelayOnly) says relay=false
// in our version, ignores addr and addrv2 unread whatever their size, and
// disconnects on a tx or an inv of one (TxRelayViolation); a feeler
// (Config.NoTxRelay) says relay=false and refuses transactions the same
// way, as Core's RejectIncomingTxs. Disconnects carry a Reason (an error; errors.As recovers it from
// transport.Closed).
//
// # Misbehaviour
//
// Each Reason says whether Core discourages for the rule it names
// (Reason.Discourages, true where Core calls Misbehaving: oversized addr,
// addrv2, inv, getdata and headers, a sendcmpct announce byte other than 0
// or 1); the others close the connection and nothing more (Core's
// fDisconnect). For a discouraging rule the peer does not close the
// connection: it drops the message, goes on, and sends its parent
// *Misbehaved (once per batch of frames), for the connection manager
// decides, as Core's MaybeDiscourageAndDisconnect: a manual peer is kept,
// a local one disconnected, any other disconnected and its address
// discouraged. A handler reports misbehaviour the same way, with a
// *Disconnect whose Reason wraps a discouraging Reason. The report is sent
// while the peer runs, before anything could stop it. A peer spawned
// without a parent closes the connection instead.
//
// # Bounded work
//
// A forwarded message counts against its peer until every handler is done
// with it (Core counts a message in m_msg_process_queue_size until it is
// processed): past 8 messages or 1 MB in flight, or while sending is
// paused, or while a handler's work left for later is pending (Core serves
// a peer's getdata queue before it polls its next message), the peer stops
// processing what it received, in the middle of a batch if need be, and
// leaves the batches unacknowledged, so io stops reading the socket at its
// receive limit. Work left for later (the rest of a getdata, one block
// being served per pass) is handed back to its handler only while sending
// is not paused. So what one peer can make the node hold is bounded by the
// receive limit, the send limit and the bound in flight, and one peer
// keeps at most 8 messages in the queues it shares with the others. These
// rules are machine.Flow's, tested without an actor; the actor feeds it
// (batches, forwards, Handled, pause and resume) and carries out its steps.
//
// # Using it
//
// connmgr spawns one per connection, named "peer-<ID>", then attaches it.
// A node makes its peers with one Factory, so that they share the node-wide
// part of their Config, their options and one set of props:
//
//	peers := peer.NewFactory(peer.WithLogger(log), peer.WithDispatcher(pool))
//	pid, _ := ctx.SpawnNamed(peers.Props(cfg), name) // spawn before the next Props
//	ctx.Send(io, &transport.Attach{Conn: cfg.Conn, Peer: pid})
//
// Props(cfg, opts...) makes a single peer's props, for tests and one-offs.
//
// An outbound peer sends its version as soon as it starts (bytes may be sent
// before the connection is attached); an inbound one waits for the remote's.
// Every peer of a node shares one *Nonces so that a connection to ourselves is
// detected.
//
// # What a peer costs
//
// A node holds thousands of idle peers and answers pings for all of them,
// so a peer is built to cost little at rest and to allocate almost nothing
// per batch. The figures below were measured with pprof and heap profiles
// (GODEBUG=memprofilerate=1) of a node holding the README's load.
//
// At rest, an idle peer, its protocol state machine included, takes 384
// bytes beside its actor (1,216 before the changes below):
//
//   - Every peer of a node is spawned from one *actor.Props and points to
//     one copy of the node-wide settings (Factory); props made per peer cost
//     224 bytes each.
//   - Its one pending wake-up (handshake timeout, next ping, ping timeout)
//     sits on a timer wheel (actors/internal/timerwheel) shared by every
//     peer when its dispatcher provides one (workpool.Pool does) or
//     WithTimerWheel names one, so an idle peer holds no runtime timer;
//     else it has a timer of its own.
//   - Per-command byte counters, the derived logger, the queue of a blocked
//     peer, its count of messages in flight and output buffers are
//     allocated only when used. The byte
//     counters are 16-byte entries keyed by command id, searched in order
//     (cmdbytes.go); commands the protocol does not know count as
//     "*other*", as in Core's getpeerinfo.
//   - Like Core, a peer logs an inbound connection (which anybody can open
//     by the thousand) only at Debug, an outbound one at Info, and derives
//     its logger with the peer's fields (about a kilobyte) only when it
//     logs. Building one for every Info line of a peer's life made 10,000
//     handshakes leave enough garbage to set the heap goal; without it the
//     node's RSS per idle peer fell from 4.2 to 3.0 KiB.
//
// Pings are answered on a path that neither decodes nor hashes: the pong,
// framed by protocol.AppendPong, reuses its ping's checksum
// (transport.Frame.Checksum), the checksums of a
// batch live on the stack, the replies go into the buffer io handed out
// with the batch (transport.Received.Out), and byte counters and metrics
// are updated once per batch. The path depends on the logger telling the
// truth: the node's logging core answers Enabled(Debug) with whether a
// debug category is on, so while none is no debug entry is built and no
// clock read; when a core claimed Debug, every ping was decoded and every
// pong encoded and hashed. BenchmarkPeerPings went from 4 us and 19
// allocations to 2.9 us and 3 allocations per batch of 16 pings.
package peer
