// Package transport owns the node's sockets: the io actor, its epoll loop,
// listeners, non-blocking dials, framing and the per-connection buffers and
// limits. It knows frames, not peers: what a frame means is the business of
// the peer actor that io hands it to.
//
// # Using io
//
// Spawn one io actor from Props(Config{Magic: params.Magic}) and talk to it
// with the messages in messages.go:
//
//   - *Listen{Addr, Owner} answers *Listening to Owner, then posts *Accepted
//     to Owner for every inbound connection.
//   - *Dial{Tag, Addr, Timeout, Owner} answers *Dialed (Err set on failure or
//     ErrDialTimeout).
//   - *Attach{Conn, Peer} starts reading Conn: from then on Peer receives
//     *Received (every complete frame of one read), *SendPaused,
//     *SendResumed and *Closed. Bytes that arrived before Attach are read
//     after it; bytes may be sent before it.
//   - *Send{Conn, Data, Ack} queues Data (whole frames, built with
//     protocol.AppendFrame) and, if Ack is set, acknowledges that Received.
//     Every Received must be acknowledged exactly once; its payloads are
//     valid until then. A Received's Out, when set, is a recycled empty
//     buffer the peer may build its replies in and send back as Data. Data
//     must not alias a Received's payloads: io recycles both.
//   - *Close{Conn, Reason} writes what is queued (for at most
//     Config.CloseTimeout), closes, and posts *Closed{Reason} to the peer
//     and the owner. A remote close or error is reported the same way with
//     what io saw (io.EOF, a reset, a framing error).
//   - *AcceptLimits{MaxUndecided, MaxInbound} caps the accepted
//     connections io holds, as the listeners' owner (connmgr) sets: while
//     MaxUndecided are neither attached nor closed, or MaxInbound accepted
//     connections are open, io accepts nothing (its listeners leave the
//     poll set), so a flood waits in the kernel's backlog, not in our
//     descriptors, and no connection is dropped for a cap.
//   - *GetStats answers *Stats.
//
// Connection ids are generation<<32 | descriptor: a message naming a
// connection that has closed is dropped (and counted in Stats.Stale) even if
// its descriptor was reused. Stopping io closes every socket and posts
// *Closed{ErrStopped}. Stop is a system message and overtakes queued ones;
// use Poison to let them through first.
//
// # Framing and limits
//
// Frames are cut by Deframe, which the in-memory network of actors/actortest
// reuses. As in Bitcoin Core, a wrong magic (protocol.ErrBadMagic) or a
// length above protocol.MaxPayloadSize (protocol.ErrPayloadTooLarge) closes
// the connection; a bad checksum or malformed command bytes drop that
// frame. A frame larger than the read buffer is read into a buffer that
// grows as its bytes arrive (RecvAhead, then doubling), never allocated at
// the length its header announces, as Core's V1Transport does.
//
// Nothing between io and a peer blocks or drops: io counts the bytes of the
// Receiveds it posted and not yet saw acknowledged, plus MessageOverhead per
// frame, and stops reading a socket once that passes Config.RecvLimit (5 MB,
// Core's -maxreceivebuffer) until acknowledgements bring it back below. A
// peer that keeps Receiveds unacknowledged while paused thereby stops its
// socket. When a connection's queued bytes pass Config.SendLimit (1 MB, Core's
// -maxsendbuffer) its peer gets *SendPaused, and *SendResumed once they drain.
// A connection whose queue holds bytes and has written none of them for
// Config.SendTimeout (20 minutes, Core's "socket sending timeout") is
// closed with ErrSendTimeout: a remote that stopped reading.
//
// Who is admitted stays the owner's decision: io holds each accepted
// connection, unread, until the owner attaches or closes it. What io
// decides alone, without asking, is only to apply the owner's
// AcceptLimits, so that a flood of connections the owner has not decided
// on yet cannot fill the process's descriptors (Core decides in the thread
// that accepts, and so holds none undecided). Drops are logged at Debug
// at most once per AcceptLogInterval, with the number not logged.
//
// When accept fails for lack of file descriptors (EMFILE, ENFILE) the
// listener rests for Config.AcceptPause instead of spinning on the waiting
// connection, logs that at most once per AcceptLogInterval, counts it in
// Stats.AcceptPauses, and accepts again once descriptors are free.
//
// # BIP324, the v2 transport (Linux)
//
// With Config.V2 every accepted connection gets a responder
// bip324.Session and its first bytes decide, as in Bitcoin Core: the
// network magic and "version" make it v1 (the same bytes go to Deframe),
// anything else starts the v2 handshake. Dial.V2 opens a connection as
// initiator, our key and garbage queued at once. Sends (v1 frames, built as
// for any connection) are held until the Session can encrypt, then
// re-encoded as packets (AppendV1Frames); received packets are decrypted in
// the read buffer and delivered as Frames whose Checksum is zero (a pong
// built from one hashes its own, which the re-encoding drops). The receive
// limit counts each message as its v1 frame would (24-byte header plus
// payload); the send queue counts the bytes to write, packets included.
// Keys and garbage come from a goroutine that makes them ahead of need, and
// the ECDH runs on a goroutine of its own while the connection's reading is
// stopped, so the loop never spends the half millisecond each costs (when
// no key is ready the loop makes one, counted in Stats.V2KeysInline). Every
// BIP324 fault (no terminator within 4095 bytes, a packet too large or
// failing authentication, a v1 header of another network) closes that
// connection only, counted in Stats.V2Failures; decoys and messages of
// unknown type are counted and skipped (V2Decoys, V2Dropped). io posts
// *Encrypted with the session id to the peer and owner when the peer's
// version packet arrives, and sets Closed.ReconnectV1 where Core's
// ShouldReconnectV1 would redial with v1 (connmgr does, once). The
// portable io speaks BIP324 too, its reader goroutine decrypting (and
// running the ECDH) as it reads.
//
// # The loop (Linux)
//
// On Linux io is one epoll loop on one goroutine, and io's mailbox runs on
// that goroutine through a dispatcher of its own, between polls, so io's
// Receive touches sockets without locks. Each loop turn runs the mailbox,
// then writes each connection that got data once (one write or writev), then
// polls without blocking and handles what is ready: one read per readable
// socket into one shared 64 KiB buffer, the complete frames copied out once
// into a pooled Received, only a trailing partial frame kept per connection.
// When nothing is ready the loop yields and polls again; it sleeps only when
// no Received it posted is waiting for an answer (or none came for a
// millisecond), parked in the Go runtime's poller, and a message posted to
// it wakes it through an eventfd only when it said it sleeps. The rules and
// their measurements are in DESIGN.md, "The io actor".
//
// Where the time goes once those rules hold, at 10 peers with 16 pings in
// flight each (the README's ping figure): syscalls take half of the node's
// CPU and the double-SHA256 of received frames' checksums a fifth (a bare
// server that does not check them saves that). Each Received carries Out,
// a pooled reply buffer the size of its batch, so a peer's replies to one
// read cost it no allocation. A connection's state is 176 bytes (272
// before): what only some connections need is allocated when they do.
//
// A panic of the loop's own code is logged at Error, closes every
// connection (Closed with ErrLoopFailed) and fails the actor, so its
// supervisor decides.
//
// Other systems get a portable io over the net package with a reader and a
// writer goroutine per connection, serving the same messages; the build tag
// transport_portable makes Props return it on Linux too, and PortableProps
// returns it on every system.
//
// # One contract
//
// Package transport/iotest holds the io message contract as tests, run
// against the epoll io, the portable io and the in-memory network of
// actors/actortest alike (TestContract here, and in actortest).
package transport
