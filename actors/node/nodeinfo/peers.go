package nodeinfo

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
)

// Peers asks connmgr for its peers and each peer for its getpeerinfo entry,
// all within timeout. A peer that does not answer in time (or has just gone)
// is left out. The result is sorted by peer id; each entry carries what
// connmgr knows beyond the peer (connection_type, network, permissions).
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
					complete(info, &e)
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

// complete adds to a peer's getpeerinfo entry what connmgr knows: the
// connection type (a manual or addr-fetch connection is outbound to the
// peer too), our end of the connection (Core's addrbind), the network
// class, and Core's fields that are constant here.
func complete(info *peer.Info, e *connmgr.PeerEntry) {
	if e.ConnType != "" {
		info.ConnectionType = e.ConnType
	}
	if e.Local.IsValid() {
		info.AddrBind = e.Local.String()
	}
	info.Network = NetworkClass(e.Remote.Addr())
	if info.Permissions == nil {
		info.Permissions = []string{}
	}
	info.TransportProtocolType = "v1"
	switch {
	case e.Transport == connmgr.TransportDetecting && info.Version != 0:
		// Its version message came as v1: a v2 one follows the handshake,
		// which connmgr would have seen end.
	case e.Transport != "":
		info.TransportProtocolType = e.Transport
	}
	info.SessionID = e.SessionID
	info.SyncedHeaders, info.SyncedBlocks, info.Inflight = -1, -1, []int32{}
}

// AddChainState fills each entry's synced_headers from what the chain
// actor's header sync knows of the peer. A chain that does not answer in
// time leaves them at -1.
func AddChainState(root *actor.RootContext, chainPID *actor.PID, infos []*peer.Info, timeout time.Duration) {
	if chainPID == nil || len(infos) == 0 {
		return
	}
	r, err := inspect.Ask(root, chainPID, func(to *actor.PID) any { return &chain.GetPeerStates{ReplyTo: to} }, timeout)
	if err != nil {
		return
	}
	states := r.(*chain.PeerStates).Peers
	for _, info := range infos {
		if s, ok := states[info.ID]; ok {
			info.SyncedHeaders = s.SyncedHeaders
		}
	}
}
