package chain

import (
	"fmt"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/protocol"
)

// headerInfo describes the index's entry e; whole reads its whole header
// from the header store.
func headerInfo(ix *headerchain.Index, e headerchain.Entry, whole bool) HeaderInfo {
	h := HeaderInfo{Header: protocol.BlockHeader{PrevBlock: e.Prev, Timestamp: e.Time, Bits: e.Bits},
		Hash: e.Hash, Height: e.Height, ChainWork: fmt.Sprintf("%064x", e.Work.Big()), OnBest: e.Best}
	if whole {
		if full, err := ix.Header(e); err != nil {
			h.ReadErr = err.Error()
		} else {
			h.Header = full
		}
	}
	h.MedianTime, _ = ix.MedianTimePast(e.Hash)
	if e.Best {
		if next, ok := ix.AtHeight(e.Height + 1); ok {
			h.Next = &next.Hash
		}
	}
	return h
}

func (a *handler) info() *Info {
	in := &Info{Network: a.cfg.Network.Name, Blocks: -1, Headers: -1, Store: a.sinfo, InitialSync: true, BelowMinimumWork: true}
	if a.store != nil {
		in.Store.Records, in.Store.Pending = a.store.Durable(), a.store.Pending()
	}
	if a.m == nil {
		return in
	}
	ix := a.m.Index()
	now := a.cfg.Clock()
	in.Ready = true
	g, _ := ix.AtHeight(ix.Genesis().Height)
	in.Blocks, in.Best = g.Height, headerInfo(ix, g, true)
	// The chain of blocks is genesis alone: its next block is not ours.
	in.Best.Next = nil
	t := ix.TipEntry()
	in.Headers, in.HeaderTip = t.Height, headerInfo(ix, t, true)
	in.InitialSync = a.m.InitialSync(now)
	in.BelowMinimumWork = a.m.BelowMinimumWork()
	in.Progress = a.progress(now)
	in.Rate = a.prog.rate
	in.SyncPeers = a.m.SyncPeers()
	in.Stats = a.m.Stats()
	return in
}

func (a *handler) getInfo(ctx actor.Context, msg *GetInfo) {
	if msg.ReplyTo != nil {
		ctx.Send(msg.ReplyTo, a.info())
	}
}

func (a *handler) getHeader(ctx actor.Context, msg *GetHeader) {
	if msg.ReplyTo == nil {
		return
	}
	r := &HeaderReply{Tip: -1}
	if a.m != nil {
		ix := a.m.Index()
		r.Tip = ix.Tip().Height
		if e, ok := ix.Lookup(msg.Hash); ok {
			r.Found, r.Header = true, headerInfo(ix, e, true)
		}
	}
	ctx.Send(msg.ReplyTo, r)
}

func (a *handler) getTips(ctx actor.Context, msg *GetTips) {
	if msg.ReplyTo == nil {
		return
	}
	r := &Tips{}
	if a.m != nil {
		ix := a.m.Index()
		for _, e := range ix.Tips() {
			r.List = append(r.List, headerInfo(ix, e, false))
		}
		slices.SortStableFunc(r.List, func(x, y HeaderInfo) int {
			switch {
			case x.OnBest && !y.OnBest:
				return -1
			case y.OnBest && !x.OnBest:
				return 1
			}
			return int(y.Height - x.Height)
		})
	}
	ctx.Send(msg.ReplyTo, r)
}

func (a *handler) getPeerStates(ctx actor.Context, msg *GetPeerStates) {
	if msg.ReplyTo == nil {
		return
	}
	r := &PeerStates{Peers: make(map[uint64]machine.PeerState, len(a.peers))}
	if a.m != nil {
		for id := range a.peers {
			if s, ok := a.m.Peer(id); ok {
				r.Peers[id] = s
			}
		}
	}
	ctx.Send(msg.ReplyTo, r)
}

func (a *handler) describe(ctx actor.Context, msg *inspect.Describe) {
	if msg.ReplyTo == nil {
		return
	}
	in := a.info()
	best := ""
	if in.Headers >= 0 {
		best = in.HeaderTip.Hash.String()
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{
		Self: ctx.Self(),
		Kind: "chain",
		Summary: map[string]any{
			"network":            in.Network,
			"height":             int(in.Headers),
			"best":               best,
			"chainwork":          in.HeaderTip.ChainWork,
			"blocks":             int(in.Blocks),
			"below_minimum_work": in.BelowMinimumWork,
			"initial_sync":       in.InitialSync,
			"progress":           in.Progress,
			"headers_per_s":      in.Rate,
			"sync_peers":         in.SyncPeers,
			"sync":               in.Stats,
			"store":              in.Store,
			"served":             a.srv.n.summary(),
			"unexpected":         a.unexpectedTotal(),
		},
	})
}
