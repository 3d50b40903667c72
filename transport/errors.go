package transport

import "errors"

// Reasons io gives in *Closed and *Dialed besides the socket's own errors
// (which it wraps, so errors.Is(err, syscall.ECONNRESET) and errors.Is(err,
// io.EOF) work) and the framing errors (which wrap protocol.ErrBadMagic and
// protocol.ErrPayloadTooLarge).
var (
	// ErrDialTimeout: a Dial did not connect within its Timeout.
	ErrDialTimeout = errors.New("transport: dial timed out")
	// ErrSendTimeout: the connection's queued bytes went unwritten for
	// Config.SendTimeout: the remote stopped reading (Core: "socket sending
	// timeout").
	ErrSendTimeout = errors.New("transport: send timed out")
	// ErrCloseRequested is the reason of a *Close that gave none.
	ErrCloseRequested = errors.New("transport: close requested")
	// ErrStopped: io stopped or restarted and closed every connection.
	ErrStopped = errors.New("transport: io stopped")
	// ErrLoopFailed: io's poll loop panicked; io closed every connection and
	// failed so that its supervisor decides what happens next.
	ErrLoopFailed = errors.New("transport: poll loop failed")
	// ErrSpawnedTwice: the Props returned by Props was spawned a second time;
	// each io actor needs its own Props.
	ErrSpawnedTwice = errors.New("transport: io props spawned twice")
)
