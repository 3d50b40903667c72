package machine

import "time"

// The chain's part of Core's CheckForStaleTipAndEvictPeers: connmgr owns the
// connections, so the machine tells it what it knows (who announced a new
// best header when, who is protected, whether the tip looks stale, when
// initial sync is over) and connmgr's machine decides which extra peers to
// dial and evict.
const (
	// StaleCheckInterval is how often the tip is checked for staleness
	// (Core's STALE_CHECK_INTERVAL).
	StaleCheckInterval = 10 * time.Minute
	// StaleTipSpacings is how many block spacings without a new tip make
	// it look stale (Core's TipMayBeStale: 3 * nPowTargetSpacing).
	StaleTipSpacings = 3
	// DirectFetchSpacings: the best header is less than this many block
	// spacings old once initial sync is over (Core's CanDirectFetch, 20).
	DirectFetchSpacings = 20
)

// staleState is Core's m_last_tip_update, m_stale_tip_check_time and
// m_initial_sync_finished.
type staleState struct {
	lastTipUpdate time.Time
	nextCheck     time.Time
	syncFinished  bool
}

// announced records a move of the best header after headers from p: the
// time of the last tip update (Core's BlockConnected), and, when the
// message brought a new header (newHeader), tells connmgr, which keeps
// each peer's last block announcement (Core's
// UpdatePeerStateForReceivedHeaders: a new header with more work than our
// tip; this node's tip is its best header).
func (m *Machine) announced(now time.Time, p *peerState, newHeader bool, out []Action) []Action {
	m.stale.lastTipUpdate = now
	if !newHeader {
		return out
	}
	return append(out, Action{Kind: BlockAnnounced, Peer: p.ID, At: now})
}

// TipMayBeStale is Core's TipMayBeStale on headers: no new best header for
// StaleTipSpacings block spacings (this node downloads no blocks, so none
// are in flight). The first call starts the clock.
func (m *Machine) TipMayBeStale(now time.Time) bool {
	if m.stale.lastTipUpdate.IsZero() {
		m.stale.lastTipUpdate = now
	}
	return m.stale.lastTipUpdate.Before(now.Add(-StaleTipSpacings * m.spacing))
}

// canDirectFetch is Core's CanDirectFetch on the best header: less than
// DirectFetchSpacings block spacings old.
func (m *Machine) canDirectFetch(now time.Time) bool {
	return m.tipTime().After(now.Add(-DirectFetchSpacings * m.spacing))
}

// CheckStaleTip is the chain's part of Core's CheckForStaleTipAndEvictPeers,
// which Core schedules apart from its per-peer work: call it as often as
// Tick. Every StaleCheckInterval (the first at the first call) it gives
// the stale-tip verdict (TryNewOutbound), and once the best header is
// recent enough it says initial sync is over (StartExtraBlockRelay).
func (m *Machine) CheckStaleTip(now time.Time, out []Action) []Action {
	if !now.Before(m.stale.nextCheck) {
		stale := m.TipMayBeStale(now)
		out = append(out, Action{Kind: TryNewOutbound, Stale: stale, LastTipUpdate: m.stale.lastTipUpdate})
		m.stale.nextCheck = now.Add(StaleCheckInterval)
	}
	if !m.stale.syncFinished && m.canDirectFetch(now) {
		m.stale.syncFinished = true
		out = append(out, Action{Kind: StartExtraBlockRelay})
	}
	return out
}
