package machine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// t0 is when every test machine starts.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var errRefused = errors.New("connection refused")

// newTest returns a machine configured by cfg with deterministic
// randomness: a fixed seed and a group key that is the group's bytes.
func newTest(cfg Config) *Machine {
	if cfg.DefaultPort == 0 {
		cfg.DefaultPort = 8333
	}
	cfg.Rand = rand.New(rand.NewPCG(1, 2))
	cfg.GroupKey = func(g string) uint64 {
		var k uint64
		for _, x := range []byte(g) {
			k = k*131 + uint64(x)
		}
		return k
	}
	return New(cfg)
}

// show renders an action as scripts write it; Wake and Log render as "".
func show(a Action) string {
	switch a.Kind {
	case Listen, ListenFailed:
		return fmt.Sprintf("%s %s", a.Kind, a.Addr)
	case Dial:
		return fmt.Sprintf("dial #%d %s %s", a.Tag, a.Addr, a.ConnType)
	case Resolve:
		return fmt.Sprintf("resolve %s %s:%d", a.Key, a.Host, a.Port)
	case Spawn:
		return fmt.Sprintf("spawn %d c%d %s %s", a.ID, a.Conn, a.Addr, a.ConnType)
	case Close:
		return fmt.Sprintf("close c%d %s", a.Conn, a.Reason)
	case AskCandidates:
		if a.Feeler {
			return "ask feeler"
		}
		return fmt.Sprintf("ask %d", a.Max)
	case ReportAttempt:
		if a.Success {
			return fmt.Sprintf("attempt %s ok", a.Addr)
		}
		return fmt.Sprintf("attempt %s failed", a.Addr)
	case ReportConnected:
		return fmt.Sprintf("connected %d %s", a.ID, a.ConnType)
	case ReportDisconnected:
		return fmt.Sprintf("disconnected %d", a.ID)
	case SaveBans:
		return fmt.Sprintf("save-bans %d", len(a.Bans))
	}
	return ""
}

// input is one event of a round.
type input func(m *Machine, now time.Time, out []Action) []Action

// round is one step of a script, as go-ethereum's dial tests take them:
// at a time since t0, the inputs (a Tick when there are none) and the
// actions they must produce, in any order (Wake and Log left out). A Spawn
// is answered at once with Spawned, whose actions belong to the round.
type round struct {
	at   time.Duration
	in   []input
	want []string
}

// runRounds plays rounds on m in order.
func runRounds(t *testing.T, m *Machine, rounds []round) {
	t.Helper()
	for i, r := range rounds {
		now := t0.Add(r.at)
		in := r.in
		if len(in) == 0 {
			in = []input{tick()}
		}
		var out []Action
		for _, f := range in {
			out = f(m, now, out)
		}
		for j := 0; j < len(out); j++ {
			if out[j].Kind == Spawn {
				out = m.Spawned(now, out[j].ID, out[j].ID+1, out)
			}
		}
		got := []string{}
		for _, a := range out {
			if s := show(a); s != "" {
				got = append(got, s)
			}
		}
		want := slices.Clone(r.want)
		if want == nil {
			want = []string{}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (at %v):\n got  %s\n want %s", i, r.at, strings.Join(got, "; "), strings.Join(want, "; "))
		}
	}
}

// Inputs, named for what happened.

func tick() input {
	return func(m *Machine, now time.Time, out []Action) []Action { return m.Tick(now, out) }
}

func start() input {
	return func(m *Machine, now time.Time, out []Action) []Action { return m.Start(now, out) }
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func candidates(addrs ...string) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Candidates(now, parseAll(addrs), false, out)
	}
}

func feelerCandidate(addrs ...string) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Candidates(now, parseAll(addrs), true, out)
	}
}

func parseAll(addrs []string) []netip.AddrPort {
	out := make([]netip.AddrPort, len(addrs))
	for i, a := range addrs {
		out[i] = ap(a)
	}
	return out
}

func dialed(tag uint64, conn ConnID) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Dialed(now, tag, conn, ap("192.168.0.2:40000"), nil, out)
	}
}

func dialFailed(tag uint64) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Dialed(now, tag, 0, netip.AddrPort{}, errRefused, out)
	}
}

func accepted(conn ConnID, remote string) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Accepted(now, conn, ap(remote), ap("192.168.0.2:8333"), out)
	}
}

// fullNode is what a full node's handshake says.
var fullNode = Handshake{Services: protocol.SFNodeNetwork | protocol.SFNodeWitness}

func handshaken(id uint64) input { return handshakenWith(id, fullNode) }

func handshakenWith(id uint64, hs Handshake) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Handshaken(now, id, hs, out)
	}
}

func closed(conn ConnID, reason error) input {
	return func(m *Machine, now time.Time, out []Action) []Action { return m.Closed(now, conn, reason, out) }
}

func peerStopped(id uint64) input {
	return func(m *Machine, now time.Time, out []Action) []Action { return m.PeerStopped(now, id, out) }
}

func ban(subnet string, d time.Duration) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		return m.Ban(now, netip.MustParsePrefix(subnet), now.Add(d), out)
	}
}

func pingTime(id uint64, d time.Duration) input {
	return func(m *Machine, now time.Time, out []Action) []Action { m.PingTime(id, d); return out }
}

func addNode(name, command string) input {
	return func(m *Machine, now time.Time, out []Action) []Action {
		out, _ = m.AddNode(now, name, command, out)
		return out
	}
}

func TestOutboundSlotsFilledOnePerGroup(t *testing.T) {
	m := newTest(Config{MaxOutbound: 3, AddrBook: true, FeelerInterval: -1})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"ask 3"}},
		// An unanswered request holds back the next for 5 s.
		{at: 500 * time.Millisecond},
		{at: time.Second, in: []input{candidates(
			"1.0.0.1:8333",
			"1.0.200.2:8333", // the /16 of the first: skipped
			"10.0.0.1:8333",  // private: no group, never skipped for one
			"10.0.0.2:8333",
			"2.0.0.1:8333",
		)}, want: []string{
			"dial #0 1.0.0.1:8333 outbound-full-relay",
			"dial #1 10.0.0.1:8333 outbound-full-relay",
			"dial #2 10.0.0.2:8333 outbound-full-relay",
		}},
		// Full (pending dials count): nothing asked.
		{at: 10 * time.Second},
		{at: 11 * time.Second, in: []input{dialed(0, 1), dialFailed(1)}, want: []string{
			"spawn 0 c1 1.0.0.1:8333 outbound-full-relay", "attempt 1.0.0.1:8333 ok",
			"attempt 10.0.0.1:8333 failed",
		}},
		{at: 11500 * time.Millisecond, want: []string{"ask 1"}},
		// The connected /16 stays taken.
		{at: 12 * time.Second, in: []input{candidates("1.0.9.9:8333", "2.0.0.1:8333")},
			want: []string{"dial #3 2.0.0.1:8333 outbound-full-relay"}},
		// A connection that never finished its handshake counts as a failed
		// attempt; its slot is asked for again.
		{at: 13 * time.Second, in: []input{closed(1, errRefused)}, want: []string{"attempt 1.0.0.1:8333 failed"}},
		{at: 13500 * time.Millisecond, want: []string{"ask 1"}},
	})
}

func TestCandidatesExcludeWhatIsInUse(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: -1, Listen: true,
		Bind: []netip.AddrPort{ap("127.0.0.5:8333")}})
	var out []Action
	out = m.Start(t0, out)
	m.Listening(t0, ap("127.0.0.5:8333"), ap("127.0.0.5:8333"), nil, nil)
	m.SetLocalAddr(ap("1.2.3.4:0"), LocalManual, nil)
	m.Candidates(t0, parseAll([]string{"5.5.5.5:8333"}), false, nil)
	out = m.Tick(t0.Add(6*time.Second), out[:0])
	ask := find(t, out, AskCandidates)
	for _, a := range []string{"5.5.5.5:8333", "127.0.0.5:8333", "1.2.3.4:8333"} {
		if !slices.Contains(ask.Exclude, ap(a)) {
			t.Fatalf("exclude %v lacks %s", ask.Exclude, a)
		}
	}
}

// find returns the only action of kind k in out.
func find(t *testing.T, out []Action, k Kind) Action {
	t.Helper()
	var found []Action
	for _, a := range out {
		if a.Kind == k {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d actions %v in %v, want one", len(found), k, out)
	}
	return found[0]
}

func TestConnectModeDialsOnlyThose(t *testing.T) {
	m := newTest(Config{MaxOutbound: 8, AddrBook: true, Connect: []string{"1.2.3.4:18444", "5.6.7.8", "seed.example"}})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{
			"dial #0 1.2.3.4:18444 manual", "dial #1 5.6.7.8:8333 manual",
			"resolve seed.example seed.example:8333",
		}},
		{at: time.Hour},
	})
}

func TestEvictionPicksCoresVictim(t *testing.T) {
	// 40 inbound slots (42 - 1 outbound - 1 feeler).
	m := newTest(Config{MaxConnections: 42, MaxOutbound: 1, AddrBook: true})
	var fill []input
	var want []string
	conn := ConnID(100)
	// 30 peers of 8.8.0.0/16 connecting a second apart, then 10 of
	// distinct groups.
	for i := range 30 {
		fill = append(fill, accepted(conn, fmt.Sprintf("8.8.%d.1:50000", i)))
		want = append(want, fmt.Sprintf("spawn %d c%d 8.8.%d.1:50000 inbound", i, conn, i))
		conn++
	}
	for i := range 10 {
		fill = append(fill, accepted(conn, fmt.Sprintf("%d.9.9.9:50000", 20+i)))
		want = append(want, fmt.Sprintf("spawn %d c%d %d.9.9.9:50000 inbound", 30+i, conn, 20+i))
		conn++
	}
	runRounds(t, m, []round{
		{in: fill, want: want},
		// Full: the next evicts the youngest of the most crowded group. All
		// connected at once, so the youngest is the highest ID: 29 (c129).
		{at: time.Second, in: []input{accepted(200, "7.7.7.7:50000")}, want: []string{
			"close c129 evicted to make room for an inbound connection",
			"spawn 40 c200 7.7.7.7:50000 inbound",
		}},
		// The evicted peer's slot is gone at once; it leaves the table when
		// io reports the close.
		{at: 2 * time.Second, in: []input{closed(129, ReasonEvicted)}},
		// Peer 28 has the best ping time: protected, 27 goes instead.
		{at: 3 * time.Second, in: []input{pingTime(28, time.Millisecond), accepted(201, "7.7.8.7:50000")},
			want: []string{
				"close c127 evicted to make room for an inbound connection",
				"spawn 41 c201 7.7.8.7:50000 inbound",
			}},
	})
}

func TestInboundRefusedWhenAllProtected(t *testing.T) {
	m := newTest(Config{MaxConnections: 10, MaxOutbound: 2, FeelerInterval: -1})
	var fill []input
	for i := range 8 {
		fill = append(fill, accepted(ConnID(i), fmt.Sprintf("%d.1.1.1:50000", 10+i)))
	}
	runRounds(t, m, []round{
		{in: fill, want: []string{
			"spawn 0 c0 10.1.1.1:50000 inbound", "spawn 1 c1 11.1.1.1:50000 inbound",
			"spawn 2 c2 12.1.1.1:50000 inbound", "spawn 3 c3 13.1.1.1:50000 inbound",
			"spawn 4 c4 14.1.1.1:50000 inbound", "spawn 5 c5 15.1.1.1:50000 inbound",
			"spawn 6 c6 16.1.1.1:50000 inbound", "spawn 7 c7 17.1.1.1:50000 inbound",
		}},
		{in: []input{accepted(9, "20.1.1.1:50000")}, want: []string{"close c9 inbound slots full"}},
	})
}

func TestHalfOpenLimitPerSourceGroup(t *testing.T) {
	m := newTest(Config{MaxConnections: 100, MaxOutbound: 1, MaxHandshakingPerGroup: 2})
	limit := "close c%d too many handshakes in progress from the source group"
	runRounds(t, m, []round{
		{in: []input{accepted(1, "8.8.8.1:1"), accepted(2, "8.8.8.2:1"), accepted(3, "8.8.8.3:1"), accepted(4, "8.8.9.1:1")},
			want: []string{"spawn 0 c1 8.8.8.1:1 inbound", "spawn 1 c2 8.8.8.2:1 inbound",
				fmt.Sprintf(limit, 3), "spawn 2 c4 8.8.9.1:1 inbound"}},
		{in: []input{handshaken(0), accepted(5, "8.8.8.5:1"), accepted(6, "8.8.8.6:1")},
			want: []string{"spawn 3 c5 8.8.8.5:1 inbound", fmt.Sprintf(limit, 6)}},
		// The handshake timeout closes a half-open one: room again.
		{in: []input{closed(2, errRefused), accepted(7, "8.8.8.7:1")}, want: []string{"spawn 4 c7 8.8.8.7:1 inbound"}},
	})
}

func TestBansRefuseCloseAndExpire(t *testing.T) {
	m := newTest(Config{MaxOutbound: 2, AddrBook: true, FeelerInterval: -1, PersistBans: true})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"ask 2"}},
		{at: time.Second, in: []input{accepted(1, "9.9.9.9:1"), accepted(2, "9.9.1.1:1")},
			want: []string{"spawn 0 c1 9.9.9.9:1 inbound", "spawn 1 c2 9.9.1.1:1 inbound"}},
		// A ban closes what it covers and is saved.
		{at: 2 * time.Second, in: []input{ban("9.9.9.0/24", time.Hour)},
			want: []string{"save-bans 1", "close c1 banned"}},
		{at: 3 * time.Second, in: []input{closed(1, ReasonBanned), accepted(3, "9.9.9.10:1")},
			want: []string{"close c3 banned"}},
		// Banned candidates are not dialled.
		{at: 4 * time.Second, in: []input{candidates("9.9.9.20:8333", "4.4.4.4:8333")},
			want: []string{"dial #0 4.4.4.4:8333 outbound-full-relay"}},
		// A dial to an address banned meanwhile is closed once it connects.
		{at: 5 * time.Second, in: []input{ban("4.4.4.4/32", time.Hour)}, want: []string{"save-bans 2"}},
		{at: 6 * time.Second, in: []input{dialed(0, 10)}, want: []string{"close c10 banned"}},
		{at: 6500 * time.Millisecond, want: []string{"ask 2"}},
		// An hour on, both bans have expired: the list is saved empty and the
		// subnet is admitted again.
		{at: 2*time.Second + time.Hour, want: []string{"save-bans 1", "ask 2"}},
		{at: 5*time.Second + time.Hour, want: []string{"save-bans 0"}},
		{at: 6*time.Second + time.Hour, in: []input{accepted(4, "9.9.9.11:1")}, want: []string{"spawn 2 c4 9.9.9.11:1 inbound"}},
	})
	if got := m.Bans(t0.Add(2 * time.Hour)); len(got) != 0 {
		t.Fatalf("bans %v after expiry", got)
	}
}

func TestBansSavedAgainAfterAFailure(t *testing.T) {
	m := newTest(Config{PersistBans: true})
	m.Start(t0, nil)
	out := m.Ban(t0, netip.MustParsePrefix("1.2.3.4/32"), time.Time{}, nil)
	if s := find(t, out, SaveBans); len(s.Bans) != 1 || !s.Bans[0].Until.Equal(t0.Add(DefaultBanTime)) {
		t.Fatalf("saved %+v, want one ban for DefaultBanTime", s.Bans)
	}
	if out := m.Tick(t0.Add(time.Second), nil); hasKind(out, SaveBans) {
		t.Fatal("saved again without a change")
	}
	m.BansNotSaved()
	find(t, m.Tick(t0.Add(2*time.Second), nil), SaveBans)
}

func hasKind(out []Action, k Kind) bool {
	return slices.ContainsFunc(out, func(a Action) bool { return a.Kind == k })
}

func TestLoadedBansSweptAndRewritten(t *testing.T) {
	m := newTest(Config{PersistBans: true})
	m.LoadBans(t0, []BanEntry{
		{Subnet: netip.MustParsePrefix("1.0.0.0/8"), Since: t0.Add(-2 * time.Hour), Until: t0.Add(-time.Hour)},
		{Subnet: netip.MustParsePrefix("2.0.0.0/8"), Since: t0.Add(-2 * time.Hour), Until: t0.Add(time.Hour)},
	}, false)
	if s := find(t, m.Start(t0, nil), SaveBans); len(s.Bans) != 1 {
		t.Fatalf("saved %v at start, want the one ban in force", s.Bans)
	}
}

func TestFeelerClosedOnceHandshaken(t *testing.T) {
	m := newTest(Config{MaxOutbound: 1, AddrBook: true, FeelerInterval: time.Minute})
	m.Start(t0, nil)
	m.Candidates(t0, parseAll([]string{"1.1.1.1:8333"}), false, nil)
	m.Dialed(t0, 0, 1, ap("192.168.0.2:1"), nil, nil)
	m.Spawned(t0, 0, "peer-0", nil)
	// The first feeler is due within hours whatever the draw.
	var ask Action
	now := t0
	for range 100000 {
		now = now.Add(TickInterval)
		if out := m.Tick(now, nil); hasKind(out, AskCandidates) {
			ask = find(t, out, AskCandidates)
			break
		}
	}
	if !ask.Feeler || ask.Max != 1 {
		t.Fatalf("ask %+v, want a feeler's", ask)
	}
	runRounds(t, m, []round{
		{at: now.Sub(t0), in: []input{feelerCandidate("1.1.1.1:8333", "2.2.2.2:8333")},
			want: []string{"dial #1 2.2.2.2:8333 feeler"}},
		{at: now.Sub(t0), in: []input{dialed(1, 2)}, want: []string{"spawn 1 c2 2.2.2.2:8333 feeler", "attempt 2.2.2.2:8333 ok"}},
		{at: now.Sub(t0), in: []input{handshaken(1)}, want: []string{"connected 1 feeler", "close c2 feeler connection completed"}},
		{at: now.Sub(t0), in: []input{closed(2, ReasonFeelerDone)}, want: []string{"disconnected 1"}},
	})
}

func TestManualNodeHandshakeResetsBackoff(t *testing.T) {
	m := newTest(Config{AddNode: []string{"5.5.5.5"}})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"dial #0 5.5.5.5:8333 manual"}},
		{in: []input{dialFailed(0)}},
		{at: 500 * time.Millisecond},
		{at: time.Second, want: []string{"dial #1 5.5.5.5:8333 manual"}},
		{at: time.Second, in: []input{dialFailed(1)}},
		{at: 2 * time.Second},
		{at: 3 * time.Second, want: []string{"dial #2 5.5.5.5:8333 manual"}},
		{at: 3 * time.Second, in: []input{dialed(2, 7), handshaken(0)}, want: []string{"spawn 0 c7 5.5.5.5:8333 manual"}},
		// A connection that had shaken hands: the next try after 1 s, not 4 s.
		{at: time.Hour, in: []input{closed(7, errRefused)}},
		{at: time.Hour + time.Second, want: []string{"dial #3 5.5.5.5:8333 manual"}},
	})
	if got := m.AddedNodes(); len(got) != 1 || got[0].Name != "5.5.5.5" || got[0].Connected {
		t.Fatalf("added nodes %+v", got)
	}
}

func TestAddNodeCommands(t *testing.T) {
	m := newTest(Config{})
	m.Start(t0, nil)
	for _, c := range []struct {
		name, command string
		want          error
	}{
		{"1.2.3.4:8333", AddNodeAdd, nil},
		{"1.2.3.4:8333", AddNodeAdd, ErrNodeAdded},
		{"host:99999", AddNodeAdd, nil}, // bad port: an error of its own
		{"9.9.9.9", AddNodeRemove, ErrNodeNotAdded},
		{"9.9.9.9", "frob", ErrUnknownCommand},
		{"1.2.3.4:8333", AddNodeRemove, nil},
	} {
		_, err := m.AddNode(t0, c.name, c.command, nil)
		switch {
		case c.name == "host:99999":
			if err == nil {
				t.Errorf("%s %s: no error", c.command, c.name)
			}
		case !errors.Is(err, c.want):
			t.Errorf("%s %s: %v, want %v", c.command, c.name, err, c.want)
		}
	}
	runRounds(t, m, []round{
		{in: []input{addNode("7.7.7.7", AddNodeOneTry)}, want: []string{"dial #0 7.7.7.7:8333 manual"}},
		// A onetry node is forgotten after its one failure.
		{in: []input{dialFailed(0)}},
		{at: time.Hour},
	})
}

func TestClosedAndPeerStoppedCleanUpOnce(t *testing.T) {
	for _, order := range []string{"closed first", "stopped first"} {
		t.Run(order, func(t *testing.T) {
			m := newTest(Config{MaxOutbound: 1, AddrBook: true, FeelerInterval: -1})
			steps := []round{
				{in: []input{start(), candidates("1.1.1.1:8333")}, want: []string{"ask 1", "dial #0 1.1.1.1:8333 outbound-full-relay"}},
				{in: []input{dialed(0, 3), handshaken(0)}, want: []string{
					"spawn 0 c3 1.1.1.1:8333 outbound-full-relay", "attempt 1.1.1.1:8333 ok", "connected 0 outbound-full-relay"}},
			}
			if order == "closed first" {
				steps = append(steps,
					round{at: time.Second, in: []input{closed(3, errRefused)}, want: []string{"disconnected 0"}},
					round{at: time.Second, in: []input{peerStopped(0)}})
			} else {
				// A peer that stops on its own (it crashed): its connection is
				// closed, and io's report of that finds nothing left to do.
				steps = append(steps,
					round{at: time.Second, in: []input{peerStopped(0)}, want: []string{"disconnected 0", "close c3 peer actor stopped"}},
					round{at: time.Second, in: []input{closed(3, ReasonPeerStopped)}})
			}
			steps = append(steps, round{at: 1500 * time.Millisecond, want: []string{"ask 1"}})
			runRounds(t, m, steps)
			if n := len(m.Peers()); n != 0 {
				t.Fatalf("%d peers left", n)
			}
		})
	}
}

func TestStopClosesEverything(t *testing.T) {
	m := newTest(Config{FeelerInterval: -1})
	runRounds(t, m, []round{
		{in: []input{start(), accepted(1, "3.3.3.3:1")}, want: []string{"spawn 0 c1 3.3.3.3:1 inbound"}},
		{in: []input{func(m *Machine, now time.Time, out []Action) []Action { return m.Stop(now, out) }},
			want: []string{"close c1 shutting down"}},
		{at: time.Second, in: []input{accepted(2, "4.4.4.4:1")}, want: []string{"close c2 shutting down"}},
		{at: time.Hour},
	})
}
