// Package logratelimit bounds how much one line of code may log, as Bitcoin
// Core's log rate limiter does (logging.h: LogRateLimiter).
//
// Any client of the node (a peer, a caller of the RPC server, a visitor of
// the debug endpoint) can make it log: a wrong password, a malformed
// message. Unbounded, those lines fill the disk. Wrap puts a zapcore.Core
// behind a limiter that gives each source location (the file and line of
// the call, found on the stack when zap did not record it) a budget of bytes
// per fixed window, 1 MiB per hour by default, Core's RATELIMIT_MAX_BYTES
// and RATELIMIT_WINDOW. A location that passes its budget has its next
// lines dropped until the window ends; one warning says so when it starts,
// and one line per location says how much was dropped when the window
// resets. Entries below Info (the debug categories, Core's LogDebug) are
// never limited.
//
//	logger := zap.New(logratelimit.Wrap(core, logratelimit.Config{}))
//
// The window is reset by the first line logged after it ended, so the
// "restarting" notes come with the next line rather than on a timer.
package logratelimit
