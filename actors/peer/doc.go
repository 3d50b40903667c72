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
//     wait unacknowledged (Core's fPauseSend), so io's receive limit stops
//     reading the socket.
//   - *transport.Closed: the connection ended; the peer logs the reason and
//     stops.
//   - *SendMessage (encode and send), *Disconnect, *GetInfo (answered with
//     *Info, Core's getpeerinfo entry) and *inspect.Describe.
//
// # What it emits
//
//   - *transport.Send and *transport.Close to Config.IO.
//   - *Handshaken to its parent once version and verack went both ways.
//   - *dispatcher.Deliver to Config.Dispatcher for every message after the
//     handshake that the machine does not handle itself.
//
// Frames that fail to decode are counted and dropped, like Core; a malformed
// first version closes the connection, and so, after the handshake, does a
// list longer than its message allows (protocol.ErrTooMany: addr over 1000,
// inv over 50,000, a locator over 101, ...), which Core treats as
// misbehaviour. Disconnects carry a Reason (an error; errors.As recovers it
// from transport.Closed).
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
// A peer's one pending wake-up (handshake timeout, next ping, ping timeout)
// sits on a timer wheel (actors/timerwheel) shared by every peer when its
// dispatcher provides one (workpool.Pool does) or WithTimerWheel names one,
// so an idle peer holds no runtime timer; else it has a timer of its own.
// Per-command byte counters, the derived logger, the queue of a paused
// peer and output buffers are allocated only when used, so an idle peer
// (its protocol state machine included) takes 384 bytes beside its actor. Pings are answered on a path that neither decodes nor
// hashes: the pong reuses its ping's checksum (transport.Frame.Checksum).
//
// An outbound peer sends its version as soon as it starts (bytes may be sent
// before the connection is attached); an inbound one waits for the remote's.
// Every peer of a node shares one *Nonces so that a connection to ourselves is
// detected.
package peer
