package machine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// world runs a machine over simulated time and plays everything around it,
// answering at once: io (dials succeed when reachable says so, closes are
// reported), the address book (candidates from book), the peers (they
// shake hands at once when handshake says so, and stop when closed).
type world struct {
	t   *testing.T
	m   *Machine
	now time.Time
	// wake is the machine's next Tick.
	wake time.Time
	// book answers candidate requests.
	book func(max int, feeler bool, exclude []netip.AddrPort) []netip.AddrPort
	// reachable says whether a dial to addr connects.
	reachable func(addr netip.AddrPort) bool
	// handshake says whether the peer of a new connection shakes hands.
	handshake bool
	// dropEvery, when set, closes each outbound full-relay connection
	// that long after it opened (churn).
	dropEvery time.Duration
	nextConn  ConnID
	open      map[ConnID]Action // the Spawn actions of open connections
	// Records.
	dials   []dialRecord
	asks    []Action
	askedAt []time.Time
}

type dialRecord struct {
	at       time.Time
	addr     netip.AddrPort
	connType string
}

func newWorld(t *testing.T, m *Machine) *world {
	return &world{t: t, m: m, now: t0, nextConn: 1, open: make(map[ConnID]Action),
		book:      func(int, bool, []netip.AddrPort) []netip.AddrPort { return nil },
		reachable: func(netip.AddrPort) bool { return true }}
}

// run starts the machine if needed and runs it for d of simulated time,
// ticking whenever it asked to be woken.
func (w *world) run(d time.Duration) {
	end := w.now.Add(d)
	if w.wake.IsZero() {
		w.do(w.m.Start(w.now, nil))
	}
	for {
		next := w.wake
		for conn, sp := range w.open {
			if w.dropEvery > 0 && sp.ConnType == ConnOutboundFullRelay {
				if at := w.opened(conn).Add(w.dropEvery); at.Before(next) {
					next = at
				}
			}
		}
		if next.After(end) {
			w.now = end
			return
		}
		w.now = next
		if w.dropEvery > 0 {
			for conn, sp := range w.open {
				if sp.ConnType == ConnOutboundFullRelay && !w.now.Before(w.opened(conn).Add(w.dropEvery)) {
					w.closeConn(conn, errRefused)
				}
			}
		}
		if !w.now.Before(w.wake) {
			w.do(w.m.Tick(w.now, nil))
		}
	}
}

// opened is when conn's peer was spawned.
func (w *world) opened(conn ConnID) time.Time {
	info, _ := w.m.Peer(w.open[conn].ID)
	return info.Since
}

// closeConn plays io closing conn, then its peer stopping.
func (w *world) closeConn(conn ConnID, reason error) {
	sp, ok := w.open[conn]
	if !ok {
		return
	}
	delete(w.open, conn)
	w.do(w.m.Closed(w.now, conn, reason, nil))
	w.do(w.m.PeerStopped(w.now, sp.ID, nil))
}

// do carries out actions, feeding the answers back at once.
func (w *world) do(out []Action) {
	for len(out) > 0 {
		a := out[0]
		out = out[1:]
		switch a.Kind {
		case Wake:
			w.wake = a.At
		case AskCandidates:
			w.asks = append(w.asks, a)
			w.askedAt = append(w.askedAt, w.now)
			out = w.m.Candidates(w.now, w.book(a.Max, a.Feeler, a.Exclude), a.Feeler, out)
		case Dial:
			w.dials = append(w.dials, dialRecord{at: w.now, addr: a.Addr, connType: a.ConnType})
			if w.reachable(a.Addr) {
				conn := w.nextConn
				w.nextConn++
				out = w.m.Dialed(w.now, a.Tag, conn, netip.MustParseAddrPort("192.168.0.2:40000"), nil, out)
			} else {
				out = w.m.Dialed(w.now, a.Tag, 0, netip.AddrPort{}, errRefused, out)
			}
		case Spawn:
			w.open[a.Conn] = a
			out = w.m.Spawned(w.now, a.ID, a.ID+1, out)
			if w.handshake {
				out = w.m.Handshaken(w.now, a.ID, fullNode, out)
			}
		case Close:
			if sp, ok := w.open[a.Conn]; ok {
				delete(w.open, a.Conn)
				out = w.m.Closed(w.now, a.Conn, a.Reason, out)
				out = w.m.PeerStopped(w.now, sp.ID, out)
			}
		case Resolve:
			w.t.Fatalf("unexpected lookup %+v", a)
		}
	}
}

// outboundGroups checks that no two open automatic outbound connections
// share a network group, and returns how many are open.
func (w *world) outboundGroups() int {
	w.t.Helper()
	seen := map[string]netip.AddrPort{}
	n := 0
	for _, p := range w.m.Peers() {
		if p.ConnType != ConnOutboundFullRelay {
			continue
		}
		n++
		g := netGroup(p.Remote)
		if other, dup := seen[g]; dup {
			w.t.Fatalf("at %v: outbound %s and %s share group %x", w.now.Sub(t0), other, p.Remote, g)
		}
		seen[g] = p.Remote
	}
	return n
}

// A book of public addresses crowded into few /16s: 50 groups of 40.
func crowdedBook(r *rand.Rand) func(int, bool, []netip.AddrPort) []netip.AddrPort {
	var all []netip.AddrPort
	for g := range 50 {
		for h := range 40 {
			all = append(all, netip.MustParseAddrPort(fmt.Sprintf("%d.%d.%d.%d:8333", 11+g, 7, h, 1)))
		}
	}
	return func(max int, feeler bool, exclude []netip.AddrPort) []netip.AddrPort {
		// Like the address book, it answers more than asked for, at random.
		out := make([]netip.AddrPort, 0, 4*max)
		for range 4 * max {
			out = append(out, all[r.IntN(len(all))])
		}
		return out
	}
}

// TestOutboundDiversityOverHours churns the outbound connections for six
// hours against a book crowded into few groups: the slots stay full and
// no two outbound peers ever share a /16.
func TestOutboundDiversityOverHours(t *testing.T) {
	m := newTest(Config{MaxOutbound: 8, AddrBook: true, FeelerInterval: -1})
	w := newWorld(t, m)
	w.book = crowdedBook(rand.New(rand.NewPCG(3, 4)))
	w.handshake = true
	w.dropEvery = 7 * time.Minute
	for range 6 * 60 {
		w.run(time.Minute)
		if n := w.outboundGroups(); n != 8 {
			t.Fatalf("at %v: %d outbound peers, want 8", w.now.Sub(t0), n)
		}
	}
	if len(w.dials) < 6*60/7*8 {
		t.Fatalf("%d dials in six hours of churn", len(w.dials))
	}
}

// TestFeelersOnTheirExponentialTimer runs a node with full outbound slots
// for 20 hours: feelers go out one at a time, about every FeelerInterval
// on average, at intervals spread like an exponential (as many below the
// mean's ln 2 as above), never while the slots are not full.
func TestFeelersOnTheirExponentialTimer(t *testing.T) {
	const interval = 2 * time.Minute
	m := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: interval})
	w := newWorld(t, m)
	n := 0
	w.book = func(max int, feeler bool, _ []netip.AddrPort) []netip.AddrPort {
		n++
		if feeler {
			return []netip.AddrPort{netip.MustParseAddrPort(fmt.Sprintf("100.64.%d.%d:8333", n/250, n%250+1))}
		}
		return []netip.AddrPort{netip.MustParseAddrPort("1.1.1.1:8333"), netip.MustParseAddrPort("2.2.2.2:8333")}
	}
	w.handshake = true
	w.run(20 * time.Hour)

	var at []time.Time
	for _, d := range w.dials {
		if d.connType == ConnFeeler {
			at = append(at, d.at)
		}
	}
	want := int(20 * time.Hour / interval) // 600
	if len(at) < want*8/10 || len(at) > want*12/10 {
		t.Fatalf("%d feelers in 20 hours, want about %d", len(at), want)
	}
	var sum time.Duration
	short := 0
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		sum += gap
		if float64(gap) < math.Ln2*float64(interval) {
			short++
		}
	}
	mean := sum / time.Duration(len(at)-1)
	if mean < interval*9/10 || mean > interval*11/10 {
		t.Fatalf("mean time between feelers %v, want about %v", mean, interval)
	}
	// An exponential's median is ln 2 times its mean; a fixed timer would
	// put every gap above it.
	if half := (len(at) - 1) / 2; short < half*8/10 || short > half*12/10 {
		t.Fatalf("%d of %d gaps shorter than ln2 x the mean, want about half", short, len(at)-1)
	}
	if o := w.outboundGroups(); o != 2 {
		t.Fatalf("%d outbound peers", o)
	}
}

// TestNoFeelerWhileSlotsFree: with unreachable addresses the slots never
// fill, and no feeler goes out in hours.
func TestNoFeelerWhileSlotsFree(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, AddrBook: true})
	w := newWorld(t, m)
	w.book = func(int, bool, []netip.AddrPort) []netip.AddrPort {
		return []netip.AddrPort{netip.MustParseAddrPort("1.1.1.1:8333")}
	}
	w.reachable = func(a netip.AddrPort) bool { return false }
	w.run(5 * time.Hour)
	for _, a := range w.asks {
		if a.Feeler {
			t.Fatal("feeler asked for while the outbound slots were not full")
		}
	}
	// The slots are asked for again on every tick.
	if len(w.asks) != 1+int(5*time.Hour/TickInterval) {
		t.Fatalf("%d candidate requests in 5 hours", len(w.asks))
	}
}

// TestManualBackoffOverAnHour: an unreachable added node is retried after
// 1 s, doubling to 2 minutes, exactly.
func TestManualBackoffOverAnHour(t *testing.T) {
	m := newTest(Config{AddNode: []string{"5.5.5.5:8333"}})
	w := newWorld(t, m)
	w.reachable = func(netip.AddrPort) bool { return false }
	w.run(time.Hour)
	var gaps []time.Duration
	for i := 1; i < len(w.dials); i++ {
		gaps = append(gaps, w.dials[i].at.Sub(w.dials[i-1].at))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 120}
	for i := range want {
		want[i] *= time.Second
	}
	for len(want) < len(gaps) {
		want = append(want, ManualRetryMax)
	}
	if len(gaps) != len(want) {
		t.Fatalf("%d retries, want %d", len(gaps), len(want))
	}
	for i := range gaps {
		if gaps[i] != want[i] {
			t.Fatalf("retry %d after %v, want %v (all: %v)", i, gaps[i], want[i], gaps)
		}
	}
	// The first try, 7 doubling retries (127 s in all), then one every 2
	// minutes.
	if len(w.dials) != 1+7+int((time.Hour-127*time.Second)/ManualRetryMax) {
		t.Fatalf("%d dials in an hour", len(w.dials))
	}
}
