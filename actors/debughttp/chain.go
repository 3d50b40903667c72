package debughttp

import (
	"fmt"
	"net/http"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/inspect"
)

// chainState is the answer of /debug/chain.
type chainState struct {
	Network string `json:"network"`
	// Ready is false while the header store loads.
	Ready bool `json:"ready"`
	// Blocks is the height of the chain of blocks we have (genesis: the
	// node keeps headers only); Headers that of the best header.
	Blocks           int32                        `json:"blocks"`
	Headers          int32                        `json:"headers"`
	BestHeader       string                       `json:"best_header"`
	BestHeaderTime   uint32                       `json:"best_header_time"`
	ChainWork        string                       `json:"chainwork"`
	InitialSync      bool                         `json:"initial_sync"`
	BelowMinimumWork bool                         `json:"below_minimum_work"`
	Progress         float64                      `json:"progress"`
	HeadersPerSecond float64                      `json:"headers_per_s"`
	SyncPeers        []uint64                     `json:"sync_peers"`
	Sync             machine.Stats                `json:"sync"`
	Store            chain.StoreInfo              `json:"store"`
	Tips             []chainTip                   `json:"tips"`
	Peers            map[uint64]machine.PeerState `json:"peers"`
}

type chainTip struct {
	Height int32  `json:"height"`
	Hash   string `json:"hash"`
	Best   bool   `json:"best"`
}

func (s Source) chain(w http.ResponseWriter, _ *http.Request) {
	if s.Chain == nil {
		http.Error(w, "no chain", http.StatusServiceUnavailable)
		return
	}
	ask := func(build func(to *actor.PID) any) (any, bool) {
		r, err := inspect.Ask(s.Root, s.Chain, build, s.Timeout)
		if err != nil {
			http.Error(w, fmt.Sprintf("ask chain: %v", err), http.StatusServiceUnavailable)
			return nil, false
		}
		return r, true
	}
	r, ok := ask(func(to *actor.PID) any { return &chain.GetInfo{ReplyTo: to} })
	if !ok {
		return
	}
	in := r.(*chain.Info)
	st := chainState{
		Network: in.Network, Ready: in.Ready, Blocks: in.Blocks, Headers: in.Headers,
		BestHeader: in.HeaderTip.Hash.String(), BestHeaderTime: in.HeaderTip.Header.Timestamp,
		ChainWork: in.HeaderTip.ChainWork, InitialSync: in.InitialSync, BelowMinimumWork: in.BelowMinimumWork,
		Progress: in.Progress, HeadersPerSecond: in.Rate, SyncPeers: in.SyncPeers, Sync: in.Stats, Store: in.Store,
		Tips: []chainTip{},
	}
	if st.SyncPeers == nil {
		st.SyncPeers = []uint64{}
	}
	if r, ok = ask(func(to *actor.PID) any { return &chain.GetTips{ReplyTo: to} }); !ok {
		return
	}
	for _, t := range r.(*chain.Tips).List {
		st.Tips = append(st.Tips, chainTip{Height: t.Height, Hash: t.Hash.String(), Best: t.OnBest})
	}
	if r, ok = ask(func(to *actor.PID) any { return &chain.GetPeerStates{ReplyTo: to} }); !ok {
		return
	}
	st.Peers = r.(*chain.PeerStates).Peers
	writeJSON(w, st)
}
