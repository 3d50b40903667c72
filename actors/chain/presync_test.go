package chain

import (
	"testing"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/machine"
)

// TestPresyncReportBestPeer: only the peer whose presync has the most work
// signals progress, as Core's m_headers_presync_bestpeer; a peer past its
// first pass or gone gives way to the next best.
func TestPresyncReportBestPeer(t *testing.T) {
	st := func(state string, work uint64, height int64) machine.PeerState {
		return machine.PeerState{Presync: state, PresyncWork: headerchain.Uint256{work}, PresyncHeight: height, PresyncTime: uint32(height)}
	}
	var r presyncReport
	steps := []struct {
		name  string
		id    uint64
		state machine.PeerState
		gone  bool
		want  bool
	}{
		{name: "first peer is the best", id: 1, state: st("presync", 10, 10), want: true},
		{name: "a peer behind does not signal", id: 2, state: st("presync", 5, 5)},
		{name: "the best moves on", id: 1, state: st("presync", 20, 20), want: true},
		{name: "the other overtakes it", id: 2, state: st("presync", 30, 30), want: true},
		{name: "the one behind stays quiet", id: 1, state: st("presync", 25, 25)},
		{name: "the best in its second pass is best but silent", id: 2, state: st("redownload", 40, 0)},
		{name: "a peer behind it stays quiet", id: 1, state: st("presync", 35, 35)},
		{name: "the best peer finished: dropped", id: 2, state: machine.PeerState{Presync: "final"}},
		{name: "the other is found best again", id: 1, state: st("presync", 36, 36), want: true},
		{name: "a new peer behind", id: 3, state: st("presync", 1, 1)},
		{name: "the best peer disconnects", id: 1, gone: true},
		{name: "the last one left becomes best", id: 3, state: st("presync", 2, 2), want: true},
		{name: "no presync: dropped", id: 3, state: machine.PeerState{}},
	}
	for _, s := range steps {
		if s.gone {
			r.gone(s.id)
			continue
		}
		if got := r.update(s.id, s.state, true); got != s.want {
			t.Fatalf("%s: signal %v, want %v", s.name, got, s.want)
		}
	}
	if len(r.stats) != 0 {
		t.Fatalf("stats left: %v", r.stats)
	}
}

// On equal work the lowest peer id is the best, as Core's ordered map
// finds it.
func TestPresyncReportTie(t *testing.T) {
	var r presyncReport
	s := machine.PeerState{Presync: "presync", PresyncWork: headerchain.Uint256{7}, PresyncHeight: 7}
	r.update(5, s, true)
	r.update(3, s, true)
	r.gone(5)
	r.update(9, s, true)
	if r.best != 3 {
		t.Fatalf("best %d, want 3", r.best)
	}
}
