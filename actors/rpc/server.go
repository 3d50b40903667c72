package rpc

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/internal/httplimit"
)

const (
	// DefaultThreads is how many requests run at once, Core's
	// DEFAULT_HTTP_THREADS (-rpcthreads).
	DefaultThreads = 16
	// DefaultWorkQueue is how many requests may wait for a thread, Core's
	// DEFAULT_HTTP_WORKQUEUE (-rpcworkqueue); beyond it a request is
	// answered 503.
	DefaultWorkQueue = 64
	// DefaultMaxConns caps the server's open connections (Core has no
	// cap; ours keeps clients from spending the descriptors peers need).
	DefaultMaxConns = 256
	// DefaultAuthFailDelay slows password guessing: Core sleeps 250 ms on
	// the worker after a failed authentication, so guesses cannot go
	// faster than the threads can sleep.
	DefaultAuthFailDelay = 250 * time.Millisecond
	// maxBatch bounds the calls of one batch request.
	maxBatch = 1000
)

// DefaultPort is Core's default RPC port for a network: 8332 mainnet,
// 18332 testnet3, 48332 testnet4, 38332 signet, 18443 regtest; 0 for a
// name it does not know.
func DefaultPort(network string) uint16 {
	switch network {
	case "mainnet", "main":
		return 8332
	case "testnet", "testnet3":
		return 18332
	case "testnet4":
		return 48332
	case "signet":
		return 38332
	case "regtest":
		return 18443
	}
	return 0
}

// Config is what a Server is born with.
type Config struct {
	// Bind are the addresses to listen on; a port of 0 picks a free one.
	// At least one is required; an address that cannot be bound fails
	// Start, except ::1 on a machine without IPv6 when another address
	// was bound.
	Bind []netip.AddrPort
	// AllowIP are the client networks admitted besides loopback, which is
	// always admitted (Core's -rpcallowip).
	AllowIP []netip.Prefix
	// User and Password, when Password is set, are the accepted
	// credentials (-rpcuser, -rpcpassword). Without a Password a cookie is
	// written to CookieDir and is the credential.
	User, Password string
	// Auth are further users, -rpcauth lines "USER:SALT$HASH" (see
	// ParseRPCAuth), accepted beside the cookie or the password.
	Auth []string
	// Threads is how many requests run at once (-rpcthreads); 0 means
	// DefaultThreads.
	Threads int
	// WorkQueue is how many requests may wait for a thread (-rpcworkqueue);
	// one more is answered 503 at once. 0 means DefaultWorkQueue.
	WorkQueue int
	// Timeout drops a client that sends nothing this long, in its headers,
	// its body or between requests, and bounds the answer to a request
	// (-rpcservertimeout); 0 means 30 s.
	Timeout time.Duration
	// MaxConns caps the open connections of each address; one more is
	// closed at once. 0 means DefaultMaxConns.
	MaxConns int
	// AuthFailDelay is the pause, on the worker, after a wrong password;
	// 0 means DefaultAuthFailDelay.
	AuthFailDelay time.Duration
	// CookieDir is the data directory, where the cookie goes.
	CookieDir string
	// Backend answers the methods.
	Backend Backend
	// Logger: zap.NewNop() when nil.
	Logger *zap.Logger
}

// Server is a running JSON-RPC server. Create it with New, then Start.
type Server struct {
	cfg     Config
	log     *zap.Logger
	methods map[string]*method
	creds   credentials
	srv     *http.Server

	queue *workQueue

	mu         sync.Mutex
	listeners  []*httplimit.Listener
	cookiePath string
}

// New checks cfg and builds a server that is not listening yet.
func New(cfg Config) (*Server, error) {
	if len(cfg.Bind) == 0 {
		return nil, errors.New("rpc: no address to bind")
	}
	if cfg.Password == "" && cfg.CookieDir == "" {
		return nil, errors.New("rpc: neither rpcpassword nor a data directory for the cookie")
	}
	if err := cfg.Backend.check(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	for _, v := range []*int{&cfg.Threads, &cfg.WorkQueue, &cfg.MaxConns} {
		if *v < 0 {
			return nil, fmt.Errorf("rpc: negative threads, work queue or connection cap")
		}
	}
	cfg.Threads = cmp.Or(cfg.Threads, DefaultThreads)
	cfg.WorkQueue = cmp.Or(cfg.WorkQueue, DefaultWorkQueue)
	cfg.MaxConns = cmp.Or(cfg.MaxConns, DefaultMaxConns)
	cfg.Timeout = cmp.Or(cfg.Timeout, httplimit.DefaultTimeout)
	cfg.AuthFailDelay = cmp.Or(cfg.AuthFailDelay, DefaultAuthFailDelay)
	s := &Server{cfg: cfg, log: cfg.Logger, methods: methodTable(), queue: newWorkQueue(cfg.Threads, cfg.WorkQueue)}
	for _, line := range cfg.Auth {
		user, salt, hash, err := ParseRPCAuth(line)
		if err != nil {
			return nil, fmt.Errorf("rpc: %w", err)
		}
		s.creds = append(s.creds, authEntry{user: user, salt: salt, hash: hash})
	}
	if cfg.Password != "" {
		e, err := newSecretEntry(cfg.User, cfg.Password)
		if err != nil {
			return nil, err
		}
		s.creds = append(s.creds, e)
	}
	s.srv = httplimit.Server(s, cfg.Timeout, zap.NewStdLog(cfg.Logger))
	s.srv.WriteTimeout = cfg.Timeout
	return s, nil
}

// Start writes the cookie (when there is no password) and starts serving
// on every Bind address. On failure nothing stays open or written.
func (s *Server) Start() error {
	if s.cfg.Password == "" {
		cred, err := writeCookie(s.cfg.CookieDir)
		if err != nil {
			return fmt.Errorf("start rpc: %w", err)
		}
		user, password, _ := strings.Cut(cred, ":")
		e, err := newSecretEntry(user, password)
		if err != nil {
			_ = os.Remove(filepath.Join(s.cfg.CookieDir, CookieFile))
			return fmt.Errorf("start rpc: %w", err)
		}
		s.creds = append(s.creds, e)
		s.mu.Lock()
		s.cookiePath = filepath.Join(s.cfg.CookieDir, CookieFile)
		s.mu.Unlock()
	}
	var lns []*httplimit.Listener
	for _, addr := range s.cfg.Bind {
		ln, err := net.Listen("tcp", addr.String())
		if err != nil {
			if addr.Addr().Is6() && addr.Addr().IsLoopback() && len(s.cfg.Bind) > 1 {
				s.log.Warn("rpc: cannot bind IPv6 loopback", zap.Error(err))
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			s.removeCookie()
			return fmt.Errorf("start rpc: bind %s: %w", addr, err)
		}
		lns = append(lns, httplimit.Listen(ln, s.cfg.MaxConns, func(remote net.Addr) {
			s.log.Warn("rpc: connection limit reached, closing a new connection",
				zap.Stringer("remote", remote), zap.Int("max", s.cfg.MaxConns))
		}))
	}
	if len(lns) == 0 {
		s.removeCookie()
		return errors.New("start rpc: no address could be bound")
	}
	s.mu.Lock()
	s.listeners = lns
	s.mu.Unlock()
	for _, ln := range lns {
		go func() {
			if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("rpc server stopped", zap.Stringer("addr", ln.Addr()), zap.Error(err))
			}
		}()
		s.log.Info("rpc server listening", zap.Stringer("addr", ln.Addr()))
	}
	return nil
}

// Addrs are the addresses the server listens on (ports resolved).
func (s *Server) Addrs() []netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(s.listeners))
	for _, ln := range s.listeners {
		if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
			out = append(out, ap)
		}
	}
	return out
}

// OpenConns is the number of client connections holding one of the
// MaxConns slots, over every listener.
func (s *Server) OpenConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ln := range s.listeners {
		n += ln.Open()
	}
	return n
}

// WorkStats are the requests running on the threads and those waiting for
// one.
func (s *Server) WorkStats() (running, waiting int) { return s.queue.stats() }

// Shutdown stops serving, waits for the calls in progress within ctx and
// removes the cookie file.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.queue.close()
	s.removeCookie()
	if err != nil {
		return fmt.Errorf("stop rpc: %w", err)
	}
	return nil
}

// Close stops serving at once, cutting every connection and the calls on
// them, and removes the cookie file: what a stop does when Shutdown's time
// has run out.
func (s *Server) Close() {
	_ = s.srv.Close()
	s.queue.close()
	s.removeCookie()
}

func (s *Server) removeCookie() {
	s.mu.Lock()
	path := s.cookiePath
	s.cookiePath = ""
	s.mu.Unlock()
	if path == "" {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("rpc: remove cookie", zap.String("file", path), zap.Error(err))
	}
}

// allowed reports whether a client at remote may call: loopback always,
// else an -rpcallowip network.
func (s *Server) allowed(remote string) bool {
	return httplimit.ClientAllowed(remote, s.cfg.AllowIP)
}

// request is one JSON-RPC call.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// reply is one JSON-RPC 1.0 answer: result and error both present.
type reply struct {
	Result any             `json:"result"`
	Error  *Error          `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// reply2 is a JSON-RPC 2.0 answer: result or error.
type reply2 struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// ServeHTTP is Core's HTTP JSON-RPC front. A client outside -rpcallowip is
// refused here; every other request goes to the work queue (503 when it is
// full), and on a worker, as in Core: POST only, basic authentication (a
// wrong password costs the worker AuthFailDelay, so guessing is bounded
// by the threads, not by the connections), then the body, read within
// Timeout and 32 MiB, then one call or a batch. The answer is written
// here, after the worker is free.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.allowed(r.RemoteAddr) {
		s.log.Warn("rpc: client not allowed", zap.String("remote", r.RemoteAddr))
		http.Error(w, "", http.StatusForbidden)
		return
	}
	out := newBuffered()
	if err := s.queue.do(func() { s.handle(out, r) }); err != nil {
		if errors.Is(err, errQueueFull) {
			s.log.Warn("rpc: request rejected because the work queue is full; -rpcworkqueue raises it",
				zap.String("remote", r.RemoteAddr), zap.Int("rpcworkqueue", s.cfg.WorkQueue))
		}
		// Core's words, capitalized as Core answers them.
		msg := "Request rejected during server shutdown"
		if errors.Is(err, errQueueFull) {
			msg = "Work queue depth exceeded"
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, msg, http.StatusServiceUnavailable)
		return
	}
	out.copyTo(w)
}

// handle runs one request on a worker.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Context().Err() != nil {
		return // the client is gone
	}
	if r.Method != http.MethodPost {
		http.Error(w, "JSONRPC server handles only POST requests", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Authorization") == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	user, password, ok := r.BasicAuth()
	if !ok || !s.creds.match(user, password) {
		s.log.Warn("rpc: incorrect password attempt", zap.String("remote", r.RemoteAddr))
		// On the worker and whole even if the client leaves, as Core's
		// UninterruptibleSleep: guesses cost threads' time.
		time.Sleep(s.cfg.AuthFailDelay)
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if httplimit.TooLarge(r, httplimit.MaxBodyBytes) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, httplimit.MaxBodyBytes))
	if err != nil {
		if httplimit.IsTooLarge(err) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		writeReply(w, http.StatusBadRequest, reply{Error: errorf(CodeParseError, "read request: %v", err)})
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		s.serveBatch(r.Context(), w, body)
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeReply(w, http.StatusInternalServerError, reply{Error: errorf(CodeParseError, "Parse error")})
		return
	}
	status, rep := s.call(r.Context(), &req)
	if req.JSONRPC == "2.0" {
		if len(req.ID) == 0 { // a notification gets no reply
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeReply(w, http.StatusOK, to2(rep))
		return
	}
	writeReply(w, status, rep)
}

func (s *Server) serveBatch(ctx context.Context, w http.ResponseWriter, body []byte) {
	var batch []json.RawMessage
	if err := json.Unmarshal(body, &batch); err != nil {
		writeReply(w, http.StatusInternalServerError, reply{Error: errorf(CodeParseError, "Parse error")})
		return
	}
	if len(batch) > maxBatch {
		writeReply(w, http.StatusBadRequest, reply{Error: errorf(CodeInvalidRequest, "batch of %d calls is over %d", len(batch), maxBatch)})
		return
	}
	out := make([]any, 0, len(batch))
	for _, raw := range batch {
		var req request
		if err := json.Unmarshal(raw, &req); err != nil {
			out = append(out, reply{Error: errorf(CodeInvalidRequest, "Invalid Request object")})
			continue
		}
		_, rep := s.call(ctx, &req)
		if req.JSONRPC == "2.0" {
			if len(req.ID) > 0 {
				out = append(out, to2(rep))
			}
			continue
		}
		out = append(out, rep)
	}
	writeReply(w, http.StatusOK, out)
}

// call runs one request and returns Core's HTTP status for a 1.0 reply.
func (s *Server) call(ctx context.Context, req *request) (int, reply) {
	rep := reply{ID: req.ID}
	if len(rep.ID) == 0 {
		rep.ID = json.RawMessage("null")
	}
	var name string
	if len(req.Method) == 0 {
		rep.Error = errorf(CodeInvalidRequest, "Missing method")
		return httpStatus(rep.Error.Code), rep
	}
	if err := json.Unmarshal(req.Method, &name); err != nil {
		rep.Error = errorf(CodeInvalidRequest, "Method must be a string")
		return httpStatus(rep.Error.Code), rep
	}
	m, ok := s.methods[name]
	if !ok {
		rep.Error = errorf(CodeMethodNotFound, "Method not found")
		return httpStatus(rep.Error.Code), rep
	}
	a, rerr := bind(m, req.Params)
	if rerr != nil {
		rep.Error = rerr
		return httpStatus(rerr.Code), rep
	}
	start := time.Now()
	result, err := m.run(ctx, s, a)
	s.log.Debug("rpc call", zap.String("method", name), zap.Duration("took", time.Since(start)), zap.Error(err))
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			re = &Error{Code: CodeMiscError, Message: err.Error()}
		}
		rep.Error = re
		return httpStatus(re.Code), rep
	}
	rep.Result = result
	return http.StatusOK, rep
}

func to2(r reply) reply2 {
	out := reply2{JSONRPC: "2.0", ID: r.ID, Error: r.Error}
	if r.Error == nil {
		out.Result = r.Result
		if out.Result == nil {
			out.Result = json.RawMessage("null")
		}
	}
	return out
}

func writeReply(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(reply{Error: errorf(CodeInternalError, "encode reply: %v", err), ID: json.RawMessage("null")})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
