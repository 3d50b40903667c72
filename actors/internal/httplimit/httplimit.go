package httplimit

import (
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultTimeout drops a client idle this long, Core's
	// DEFAULT_HTTP_SERVER_TIMEOUT (-rpcservertimeout, 30 s).
	DefaultTimeout = 30 * time.Second
	// MaxHeaderBytes caps a request's headers, Core's MAX_HEADERS_SIZE.
	// (Go's server reads up to 4 KiB beyond it before answering 431.)
	MaxHeaderBytes = 8 << 10
	// MaxBodyBytes caps a request's body, Core's MAX_BODY_SIZE (32 MiB).
	MaxBodyBytes = 32 << 20
)

// Server returns an http.Server for h that drops a client which sends
// nothing for timeout (DefaultTimeout when 0): while it has not sent its
// headers, while its body is due, and between requests on a kept-alive
// connection. It caps headers at MaxHeaderBytes. errLog receives the
// server's own errors (nil: the standard logger).
//
// No write timeout is set: a handler that streams for long (a CPU profile)
// sets its own.
func Server(h http.Handler, timeout time.Duration, errLog *log.Logger) *http.Server {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: timeout,
		ReadTimeout:       timeout,
		IdleTimeout:       timeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          errLog,
	}
}

// TooLarge reports whether r announces a body over max bytes; the handler
// answers 413 without reading it, as Core does.
func TooLarge(r *http.Request, max int64) bool {
	return r.ContentLength > max
}

// IsTooLarge reports whether err is the error of an http.MaxBytesReader
// that reached its limit.
func IsTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// Listener is a listener that holds at most a fixed number of open
// connections: one accepted beyond them is closed at once.
type Listener struct {
	net.Listener
	slots   chan struct{}
	refused atomic.Uint64
	onFull  func(remote net.Addr)
}

// Listen caps ln at max open connections (max must be positive). onFull,
// when not nil, is called with each connection closed for want of a slot.
func Listen(ln net.Listener, max int, onFull func(remote net.Addr)) *Listener {
	if max < 1 {
		max = 1
	}
	return &Listener{Listener: ln, slots: make(chan struct{}, max), onFull: onFull}
}

// Accept returns the next connection for which there is a slot; the slot is
// freed when the connection is closed.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &conn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.refused.Add(1)
			if l.onFull != nil {
				l.onFull(c.RemoteAddr())
			}
			c.Close()
		}
	}
}

// Open is the number of connections holding a slot.
func (l *Listener) Open() int { return len(l.slots) }

// Refused is the number of connections closed for want of a slot.
func (l *Listener) Refused() uint64 { return l.refused.Load() }

// conn frees its slot once, on the first Close.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
