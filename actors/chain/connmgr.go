package chain

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/chain/machine"
	"github.com/actornode/actornode/actors/connmgr"
)

// tellConnMgr carries what connmgr's extra-peer decisions need from the
// sync machine (Core's CheckForStaleTipAndEvictPeers, which reads both the
// chain's and the connections' state): who announced a new best header
// when, who is protected, the stale-tip verdict and the end of initial
// sync. With no connmgr known yet (no peer has been ready) there is
// nothing it could act on, and the message is dropped, but for the end of
// initial sync, told once connmgr is known.
func (a *handler) tellConnMgr(ctx actor.Context, act *machine.Action) {
	var msg any
	switch act.Kind {
	case machine.BlockAnnounced:
		msg = &connmgr.BlockAnnounced{ID: act.Peer, At: act.At}
	case machine.Protected:
		msg = &connmgr.ChainProtected{ID: act.Peer}
	case machine.TryNewOutbound:
		if act.Stale {
			a.log.Info("potential stale tip detected, will try using extra outbound peer",
				zap.Duration("since_last_tip_update", a.cfg.Clock().Sub(act.LastTipUpdate).Truncate(time.Second)))
		}
		msg = &connmgr.TryNewOutbound{Stale: act.Stale}
	case machine.StartExtraBlockRelay:
		a.log.Debug("initial sync finished: enabling extra block-relay-only peers")
		msg = &connmgr.StartExtraBlockRelay{}
	default:
		return
	}
	switch {
	case a.cfg.ConnMgr != nil:
		ctx.Send(a.cfg.ConnMgr, msg)
	case act.Kind == machine.StartExtraBlockRelay:
		a.syncFinishedUntold = true // told with the first peer (tellSyncFinished)
	}
}

// tellSyncFinished tells a newly known connmgr that initial sync ended
// before it was known.
func (a *handler) tellSyncFinished(ctx actor.Context) {
	if a.syncFinishedUntold && a.cfg.ConnMgr != nil {
		a.syncFinishedUntold = false
		ctx.Send(a.cfg.ConnMgr, &connmgr.StartExtraBlockRelay{})
	}
}
