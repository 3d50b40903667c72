package machine

import (
	"errors"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// dialsOf returns out's Dial actions.
func dialsOf(out []Action) []Action {
	var d []Action
	for _, a := range out {
		if a.Kind == Dial {
			d = append(d, a)
		}
	}
	return d
}

// TestV2DialsAndFallBack: with V2, automatic outbound dials start with v2
// only to addresses advertising NODE_P2P_V2, manual ones always; a v2
// connection that io says to retry with v1 is dialled again at once with
// v1 and the address is remembered as v1 only; without V2 nothing is
// dialled with v2.
func TestV2DialsAndFallBack(t *testing.T) {
	errEOF := errors.New("EOF")
	v2 := protocol.SFNodeNetwork | protocol.SFNodeP2PV2
	m := newTest(Config{V2: true, MaxOutbound: 2, AddrBook: true, FeelerInterval: -1})
	m.Start(t0, nil)
	out := m.CandidatesWithServices(t0, parseAll([]string{"1.0.0.1:8333", "2.0.0.1:8333"}),
		[]protocol.ServiceFlag{v2, protocol.SFNodeNetwork}, false, nil)
	d := dialsOf(out)
	if len(d) != 2 || !d[0].V2 || d[1].V2 {
		t.Fatalf("dials %+v: want v2 to the first only", d)
	}
	out = m.Dialed(t0, d[0].Tag, 7, ap("127.0.0.1:5000"), nil, nil)
	sp := find(t, out, Spawn)
	m.Spawned(t0, sp.ID, "peer", nil)
	out = m.ClosedRetryV1(t0, 7, errEOF, nil)
	re := dialsOf(out)
	if len(re) != 1 || re[0].Addr != ap("1.0.0.1:8333") || re[0].V2 || re[0].ConnType != ConnOutboundFullRelay {
		t.Fatalf("after the fallback: %v, want one v1 dial to 1.0.0.1:8333", out)
	}
	// The v1 dial fails; the address comes back as a candidate,
	// advertising v2 still: it is dialled v1.
	m.Dialed(t0, re[0].Tag, 0, ap("127.0.0.1:5000"), errEOF, nil)
	out = m.CandidatesWithServices(t0.Add(time.Minute), parseAll([]string{"1.0.0.1:8333"}), []protocol.ServiceFlag{v2}, false, nil)
	if d := dialsOf(out); len(d) != 1 || d[0].V2 {
		t.Fatalf("remembered address dialled %+v", d)
	} else {
		m.Dialed(t0, d[0].Tag, 0, ap("127.0.0.1:5000"), errEOF, nil)
	}
	m.Dialed(t0, 1, 0, ap("127.0.0.1:5000"), errEOF, nil) // 2.0.0.1's
	// An ordinary close of a v2 connection retries nothing.
	out = m.CandidatesWithServices(t0.Add(2*time.Minute), parseAll([]string{"3.0.0.1:8333"}), []protocol.ServiceFlag{v2}, false, nil)
	d = dialsOf(out)
	if len(d) != 1 || !d[0].V2 {
		t.Fatalf("dials %+v", d)
	}
	m.Dialed(t0, d[0].Tag, 8, ap("127.0.0.1:5001"), nil, nil)
	if out := m.Closed(t0, 8, errEOF, nil); len(dialsOf(out)) != 0 {
		t.Fatalf("plain close dialled: %v", out)
	}

	// Manual connections start v2 and fall back the same way.
	mm := newTest(Config{V2: true, MaxOutbound: 8, Connect: []string{"1.2.3.4:18444"}})
	d = dialsOf(mm.Start(t0, nil))
	if len(d) != 1 || !d[0].V2 || d[0].ConnType != ConnManual {
		t.Fatalf("manual dial %+v", d)
	}
	out = mm.Dialed(t0, d[0].Tag, 3, ap("127.0.0.1:5000"), nil, nil)
	mm.Spawned(t0, find(t, out, Spawn).ID, "peer", nil)
	out = mm.ClosedRetryV1(t0, 3, errEOF, nil)
	if re := dialsOf(out); len(re) != 1 || re[0].V2 || re[0].ConnType != ConnManual || re[0].Addr != ap("1.2.3.4:18444") {
		t.Fatalf("manual fallback %v", out)
	}

	// Without V2 (-v2transport=0) nothing starts with v2.
	off := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: -1, Connect: nil})
	off.Start(t0, nil)
	out = off.CandidatesWithServices(t0, parseAll([]string{"1.0.0.1:8333"}), []protocol.ServiceFlag{v2}, false, nil)
	if d := dialsOf(out); len(d) != 1 || d[0].V2 {
		t.Fatalf("v2 off: dials %+v", d)
	}
}

// TestAddNodeV2Transport: addnode's v2transport argument false dials the
// node with v1 only; true (the default) v2 first.
func TestAddNodeV2Transport(t *testing.T) {
	m := newTest(Config{V2: true, MaxOutbound: 8})
	m.Start(t0, nil)
	out, err := m.AddNodeTransport(t0, "1.2.3.4:18444", AddNodeOneTry, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := dialsOf(out); len(d) != 1 || d[0].V2 {
		t.Fatalf("v2transport=false: dials %+v", d)
	}
	out, err = m.AddNodeTransport(t0, "5.6.7.8:18444", AddNodeOneTry, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := dialsOf(out); len(d) != 1 || !d[0].V2 {
		t.Fatalf("v2transport=true: dials %+v", d)
	}
}
