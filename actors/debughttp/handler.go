package debughttp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"sort"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
)

// Source is what the endpoint asks: the node's root context, the top of its
// actor tree and its connection manager.
type Source struct {
	Root    *actor.RootContext
	Top     *actor.PID
	ConnMgr *actor.PID
	// Timeout bounds one request's questions to the actors. Default 2s.
	Timeout time.Duration
}

// Handler returns the endpoint's routes.
func Handler(src Source) http.Handler {
	if src.Timeout <= 0 {
		src.Timeout = 2 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/{$}", index)
	mux.HandleFunc("GET /debug/actors", src.actors)
	mux.HandleFunc("GET /debug/peers", src.peers)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "actornode debug endpoint\n\n"+
		"/debug/actors  the live actor tree (JSON)\n"+
		"/debug/peers   connected peers, in the shape of getpeerinfo (JSON)\n"+
		"/debug/pprof/  Go profiles\n")
}

func (s Source) actors(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, inspect.Tree(s.Root, s.Top, s.Timeout))
}

func (s Source) peers(w http.ResponseWriter, _ *http.Request) {
	infos, err := Peers(s.Root, s.ConnMgr, s.Timeout)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, infos)
}

// Peers asks connmgr for its peers and each peer for its getpeerinfo entry,
// all within timeout. A peer that does not answer in time (or has just gone)
// is left out. The result is sorted by peer id.
func Peers(root *actor.RootContext, connMgr *actor.PID, timeout time.Duration) ([]*peer.Info, error) {
	deadline := time.Now().Add(timeout)
	reply, err := inspect.Ask(root, connMgr, func(to *actor.PID) any {
		return &connmgr.GetPeers{ReplyTo: to}
	}, timeout)
	if err != nil {
		return nil, fmt.Errorf("ask connmgr for peers: %w", err)
	}
	list := reply.(*connmgr.Peers).List
	infos := make([]*peer.Info, len(list))
	var wg sync.WaitGroup
	for i, e := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := inspect.Ask(root, e.PID, func(to *actor.PID) any {
				return &peer.GetInfo{ReplyTo: to}
			}, time.Until(deadline))
			if err == nil {
				if info, ok := r.(*peer.Info); ok {
					infos[i] = info
				}
			}
		}()
	}
	wg.Wait()
	out := infos[:0]
	for _, info := range infos {
		if info != nil {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
