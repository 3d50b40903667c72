package transport

import (
	"time"

	"go.uber.org/zap"
)

// Defaults for the zero fields of Config.
const (
	// DefaultRecvLimit is the receive limit in bytes (Core's
	// -maxreceivebuffer default, 5000 KB).
	DefaultRecvLimit = 5_000_000
	// DefaultSendLimit is the send limit in bytes (Core's -maxsendbuffer
	// default, 1000 KB).
	DefaultSendLimit = 1_000_000
	// DefaultCloseTimeout bounds how long Close keeps a connection open to
	// write what is queued.
	DefaultCloseTimeout = 2 * time.Second
	// DefaultAcceptPause is how long a listener stops accepting after the
	// process or system ran out of file descriptors.
	DefaultAcceptPause = 100 * time.Millisecond
	// DefaultDialTimeout applies to a Dial whose Timeout is zero.
	DefaultDialTimeout = 5 * time.Second
	// DefaultSendTimeout is how long a connection's queued bytes may go
	// without any of them being written before io closes it: Core's
	// TIMEOUT_INTERVAL (20 minutes) applied to m_last_send in
	// InactivityCheck ("socket sending timeout").
	DefaultSendTimeout = 20 * time.Minute
	// AcceptLogInterval is the least time between two log lines about a
	// listener out of file descriptors: the condition repeats every
	// AcceptPause while it lasts, and is counted in Stats.AcceptPauses.
	AcceptLogInterval = 10 * time.Second

	// MessageOverhead is what each posted frame counts against the receive
	// limit on top of its wire bytes, as Core counts about 100 bytes of
	// bookkeeping per queued message.
	MessageOverhead = 100
	// ReadBufferSize is the size of the one read buffer io shares between all
	// connections. A frame larger than it is read into a buffer of its own,
	// grown as the frame arrives (RecvAhead).
	ReadBufferSize = 64 << 10
	// RecvAhead is how far the buffer of a frame larger than the read
	// buffer is allocated ahead of the bytes received (its capacity then
	// doubles, so a frame costs copying in proportion to its size): as
	// Core's V1Transport::readData allocates at most 256 KiB ahead, a header
	// announcing 4 MB followed by a trickle costs 256 KiB, not 4 MB.
	RecvAhead = 256 << 10
)

// Config configures the io actor. The zero value of each field selects its
// default.
type Config struct {
	// Magic is the network's message start (protocol.Params.Magic). Frames
	// with any other magic close their connection.
	Magic uint32
	// RecvLimit is the number of bytes, counting MessageOverhead per frame,
	// that io may have posted to a connection's peer and not yet seen
	// acknowledged before it stops reading that socket. Zero means
	// DefaultRecvLimit.
	RecvLimit int
	// SendLimit is the number of queued, unwritten bytes of a connection
	// above which its peer is told *SendPaused (and *SendResumed once the
	// queue drains below it). The limit is soft: io never drops data. Zero
	// means DefaultSendLimit.
	SendLimit int
	// CloseTimeout bounds how long a Close waits for the queue to be
	// written. Zero means DefaultCloseTimeout.
	CloseTimeout time.Duration
	// AcceptPause is how long a listener rests after accept failed for lack
	// of file descriptors (EMFILE, ENFILE). Zero means DefaultAcceptPause.
	AcceptPause time.Duration
	// DialTimeout is used for a Dial whose Timeout is zero. Zero means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// SendTimeout closes a connection (reason ErrSendTimeout) whose queue
	// has held bytes this long with none of them written: a remote that
	// stopped reading. Zero means DefaultSendTimeout.
	SendTimeout time.Duration
	// LockOSThread pins the poll loop's goroutine to its own OS thread
	// (Linux only). Off by default: measured on 2 cores, it made a loopback
	// round trip (BenchmarkPingPong) about 5x slower, every handoff between
	// the loop and the peers then being a thread switch.
	LockOSThread bool
	// V2 makes every accepted connection speak BIP324's v2 transport to a
	// peer that starts with it, and v1 to one that starts with a v1
	// version message, on the same port (Core's -v2transport). Off, inbound
	// connections speak v1 only. Outbound connections follow Dial.V2.
	V2 bool
	// Logger receives io's log lines. Nil means zap.NewNop().
	Logger *zap.Logger
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.RecvLimit <= 0 {
		c.RecvLimit = DefaultRecvLimit
	}
	if c.SendLimit <= 0 {
		c.SendLimit = DefaultSendLimit
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.AcceptPause <= 0 {
		c.AcceptPause = DefaultAcceptPause
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}
