package debughttp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/debughttp/web"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/nat"
	"github.com/actornode/actornode/actors/node/nodeinfo"
)

// Source is what the endpoint asks: the node's root context, the top of its
// actor tree and its connection manager.
type Source struct {
	Root    *actor.RootContext
	Top     *actor.PID
	ConnMgr *actor.PID
	// AddrBook answers GET /debug/addrbook; nil: the route answers 503.
	AddrBook *actor.PID
	// NAT answers GET /debug/nat; nil (the nat actor is off): the route
	// says so.
	NAT *actor.PID
	// Chain answers GET /debug/chain; nil: the route answers 503.
	Chain *actor.PID
	// Timeout bounds one request's questions to the actors. Default 2s.
	Timeout time.Duration
	// Stats adds each actor's mailbox counters to /debug/actors; nil: none.
	Stats inspect.StatsFunc
	// Identity is what /debug/net says about the node itself.
	Identity nodeinfo.Identity
	// Log is the live set of debug log categories behind /debug/log; nil:
	// the route answers 503.
	Log LogLevels
	// Metrics serves GET /metrics; nil: the route answers 404.
	Metrics http.Handler
	// Listen is the address the endpoint listens on, port resolved: a
	// request must name it (or localhost, or a loopback IP, with its port)
	// in its Host. The zero value admits loopback names on any port.
	Listen netip.AddrPort
	// AllowIP are the client networks admitted besides loopback
	// (debugallowip).
	AllowIP []netip.Prefix
	// Refused, when set, is told of each request refused by the checks
	// above or as cross-site, and why.
	Refused func(r *http.Request, why string)
}

// Handler returns the endpoint's routes behind its checks: the client must
// be loopback or in AllowIP; the Host must name the endpoint (no DNS
// rebinding); a browser request from another origin (Sec-Fetch-Site,
// Origin) is refused; a change (PUT, POST) must be JSON, which no form and
// no cross-origin fetch without a preflight can send; the profiles are
// refused to browsers that do not say where a request comes from; and
// /debug/pprof/cmdline hides secrets.
func Handler(src Source) http.Handler {
	if src.Timeout <= 0 {
		src.Timeout = 2 * time.Second
	}
	mux := http.NewServeMux()
	mux.Handle("GET /debug/{$}", web.Page())
	mux.HandleFunc("GET /debug/routes", index)
	mux.HandleFunc("GET /debug/actors", src.actors)
	mux.HandleFunc("GET /debug/peers", src.peers)
	mux.HandleFunc("GET /debug/net", src.network)
	mux.HandleFunc("GET /debug/log", src.logLevels)
	mux.HandleFunc("PUT /debug/log", src.setLogLevels)
	mux.HandleFunc("POST /debug/log", src.setLogLevels)
	if src.Metrics != nil {
		mux.Handle("GET /metrics", src.Metrics)
	}
	mux.HandleFunc("GET /debug/nat", src.nat)
	mux.HandleFunc("GET /debug/addrbook", src.addrBook)
	mux.HandleFunc("GET /debug/chain", src.chain)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return &guard{listen: src.Listen, allowIP: src.AllowIP, refused: src.Refused,
		next: http.MaxBytesHandler(mux, maxBodyBytes)}
}

// maxBodyBytes bounds a request body: the endpoint takes only small JSON.
const maxBodyBytes = 64 << 10

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "actornode debug endpoint\n\n"+
		"/debug/        the live actor tree and the peers, drawn (HTML)\n"+
		"/debug/actors  the live actor tree (JSON)\n"+
		"/debug/peers   connected peers, in the shape of getpeerinfo (JSON)\n"+
		"/debug/net     the node's network state, in the shape of getnetworkinfo (JSON)\n"+
		"/debug/log     debug log categories; PUT or POST JSON {\"debug\":[\"net\"]} to change them\n"+
		"/metrics       Prometheus metrics\n"+
		"/debug/nat     port mapping: protocol, gateway, external address, renewals, last error (JSON)\n"+
		"/debug/addrbook the address book: new and tried counts, entries (JSON)\n"+
		"/debug/chain   header sync: best header, progress, rate, sync peers, tips, store (JSON)\n"+
		"/debug/pprof/  Go profiles\n")
}

func (s Source) actors(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, inspect.TreeWithStats(s.Root, s.Top, s.Timeout, s.Stats))
}

func (s Source) addrBook(w http.ResponseWriter, _ *http.Request) {
	if s.AddrBook == nil {
		http.Error(w, "no address book", http.StatusServiceUnavailable)
		return
	}
	reply, err := inspect.Ask(s.Root, s.AddrBook, func(to *actor.PID) any {
		return &addrbook.GetAddrs{ReplyTo: to}
	}, s.Timeout)
	if err != nil {
		http.Error(w, fmt.Sprintf("ask addrbook: %v", err), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, reply)
}

func (s Source) peers(w http.ResponseWriter, _ *http.Request) {
	infos, err := nodeinfo.Peers(s.Root, s.ConnMgr, s.Timeout)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	nodeinfo.AddChainState(s.Root, s.Chain, infos, s.Timeout)
	writeJSON(w, infos)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// nat answers with the nat actor's status: the protocol in use, the
// gateway, the external address and port, the lifetime, the renewals and
// the last error; {"state":"off"} when the actor is not running.
func (s Source) nat(w http.ResponseWriter, _ *http.Request) {
	if s.NAT == nil {
		writeJSON(w, &nat.Status{State: "off"})
		return
	}
	reply, err := inspect.Ask(s.Root, s.NAT, func(to *actor.PID) any {
		return &nat.GetStatus{ReplyTo: to}
	}, s.Timeout)
	if err != nil {
		http.Error(w, fmt.Sprintf("ask nat: %v", err), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, reply)
}
