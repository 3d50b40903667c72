package machine

import (
	"testing"
	"time"
)

// findKind returns the first action of kind among out.
func findKind(out []Action, kind Kind) *Action {
	for i := range out {
		if out[i].Kind == kind {
			return &out[i]
		}
	}
	return nil
}

// A peer whose headers move our best header is reported as having
// announced a block, at that time; headers we had are not; a full-relay
// peer at our tip is reported protected once.
func TestBlockAnnouncedAndProtected(t *testing.T) {
	p := regtest(t)
	now := t0
	hs := mine(t, p.GenesisHash, now.Add(-time.Hour), 3, 1)
	m := newMachine(t, p)
	m.PeerReady(now, outbound(1), nil)
	m.PeerReady(now, outbound(2), nil)
	out := m.Headers(now, 1, hs[:2], nil)
	a := find(out, BlockAnnounced, 1)
	if a == nil || !a.At.Equal(now) {
		t.Fatalf("no block announcement for peer 1: %+v", out)
	}
	if find(out, Protected, 1) == nil {
		t.Fatalf("peer 1 at our tip not reported protected: %+v", out)
	}
	later := now.Add(time.Minute)
	out = m.Headers(later, 2, hs[:2], nil)
	if find(out, BlockAnnounced, 2) != nil {
		t.Fatalf("headers we had counted as an announcement: %+v", out)
	}
	out = m.Headers(later, 2, hs, nil)
	if a := find(out, BlockAnnounced, 2); a == nil || !a.At.Equal(later) {
		t.Fatalf("no announcement for peer 2's new header: %+v", out)
	}
	if find(out, BlockAnnounced, 1) != nil {
		t.Fatalf("peer 2's header counted as peer 1's announcement: %+v", out)
	}
	if out := m.Headers(later, 1, hs, nil); find(out, Protected, 1) != nil {
		t.Fatal("protected reported twice")
	}
}

// The stale-tip check runs every StaleCheckInterval: stale once no new
// best header came for three block spacings, fresh again after one; the
// end of initial sync is reported once, when the best header is recent.
func TestStaleTipCheck(t *testing.T) {
	p := regtest(t)
	now := t0
	m := newMachine(t, p)
	out := m.CheckStaleTip(now, nil)
	if a := findKind(out, TryNewOutbound); a == nil || a.Stale {
		t.Fatalf("first check: %+v", out)
	}
	if findKind(out, StartExtraBlockRelay) != nil {
		t.Fatal("initial sync reported over with genesis as the best header")
	}
	if out := m.CheckStaleTip(now.Add(StaleCheckInterval-time.Second), nil); len(out) != 0 {
		t.Fatalf("a check before the interval: %+v", out)
	}
	// Three spacings (30 minutes on regtest) with no new header.
	var stale *Action
	at := now
	for range 4 {
		at = at.Add(StaleCheckInterval)
		stale = findKind(m.CheckStaleTip(at, nil), TryNewOutbound)
		if stale == nil {
			t.Fatalf("no check at %v", at.Sub(now))
		}
	}
	if !stale.Stale {
		t.Fatalf("not stale after %v without a new tip", at.Sub(now))
	}
	// A recent header arrives: fresh, and initial sync is over.
	m.PeerReady(at, outbound(1), nil)
	hs := mine(t, p.GenesisHash, at.Add(-time.Minute), 1, 2)
	m.Headers(at, 1, hs, nil)
	at = at.Add(StaleCheckInterval)
	out = m.CheckStaleTip(at, nil)
	if a := findKind(out, TryNewOutbound); a == nil || a.Stale {
		t.Fatalf("stale %+v ten minutes after a new tip", out)
	}
	if findKind(out, StartExtraBlockRelay) == nil {
		t.Fatalf("initial sync not reported over: %+v", out)
	}
	if out := m.CheckStaleTip(at.Add(StaleCheckInterval), nil); findKind(out, StartExtraBlockRelay) != nil {
		t.Fatal("initial sync reported over twice")
	}
}
