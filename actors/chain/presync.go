package chain

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/machine"
)

// presyncReportInterval is the least time between two presync progress
// lines (Core's ReportHeadersPresync: four a second at most).
const presyncReportInterval = 250 * time.Millisecond

// presyncReport picks the peer whose low-work presync is furthest, the
// only one whose progress is logged, as Core's net_processing does with
// m_headers_presync_stats and m_headers_presync_bestpeer.
type presyncReport struct {
	stats map[uint64]presyncStat
	best  uint64
	// last is when the progress line was last logged.
	last time.Time
}

// presyncStat is what a peer's headers sync has got to (Core's
// HeadersPresyncStats): its work, and its height and last time while it
// is in its first pass.
type presyncStat struct {
	work     headerchain.Uint256
	first    bool
	height   int64
	lastTime uint32
}

// greater orders stats as Core's pair comparison does: by work, then a
// sync in its first pass above one past it, then by height and time.
func (s presyncStat) greater(o presyncStat) bool {
	if c := s.work.Cmp(o.work); c != 0 {
		return c > 0
	}
	if s.first != o.first {
		return s.first
	}
	if s.height != o.height {
		return s.height > o.height
	}
	return s.lastTime > o.lastTime
}

// update records peer id's state after a headers message from it and
// reports whether the best peer's progress moved while in its first pass
// (Core's m_headers_presync_should_signal). A peer with no headers sync,
// or one that ended, is dropped.
func (r *presyncReport) update(id uint64, st machine.PeerState, ok bool) bool {
	if !ok || st.Presync == "" || st.Presync == "final" {
		delete(r.stats, id)
		return false
	}
	if r.stats == nil {
		r.stats = make(map[uint64]presyncStat)
	}
	s := presyncStat{work: st.PresyncWork}
	if st.Presync == "presync" {
		s.first, s.height, s.lastTime = true, st.PresyncHeight, st.PresyncTime
	}
	r.stats[id] = s
	updated := false
	if b, found := r.stats[r.best]; !found {
		// The best peer is gone: find the new one (the lowest id of
		// equals, as Core's ordered map gives).
		first := true
		for p, ps := range r.stats {
			if first || ps.greater(b) || (!b.greater(ps) && p < r.best) {
				r.best, b, first = p, ps, false
			}
		}
		updated = r.best == id
	} else if r.best == id || s.greater(b) {
		r.best, updated = id, true
	}
	return updated && s.first
}

// gone forgets a disconnected peer.
func (r *presyncReport) gone(id uint64) { delete(r.stats, id) }

// reportPresync logs Core's "Pre-synchronizing blockheaders" line after a
// headers message from peer id when that peer's presync is the furthest,
// as Core's ReportHeadersPresync does: not once the best header has the
// minimum chain work (attackers could fill the log), at most every
// presyncReportInterval, and only during initial sync.
func (a *handler) reportPresync(now time.Time, id uint64) {
	st, ok := a.m.Peer(id)
	if !a.presync.update(id, st, ok) || !a.m.BelowMinimumWork() || now.Sub(a.presync.last) < presyncReportInterval {
		return
	}
	a.presync.last = now
	if !a.m.InitialSync(now) {
		return
	}
	spacing := a.cfg.Network.Consensus.PowTargetSpacing
	if spacing <= 0 {
		spacing = 10 * time.Minute
	}
	left := max(int64(now.Sub(time.Unix(int64(st.PresyncTime), 0))/spacing), 0)
	progress := 1.0
	if st.PresyncHeight+left > 0 {
		progress = float64(st.PresyncHeight) / float64(st.PresyncHeight+left)
	}
	a.log.Info("pre-synchronizing block headers", zap.Int64("height", st.PresyncHeight),
		zap.String("progress", fmt.Sprintf("~%.2f%%", 100*progress)), zap.Uint64("peer", id))
}
