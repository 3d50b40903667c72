package machine

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// t0 is the connection time of every test machine.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// nonceSet is a plain NonceSet for single-goroutine tests.
type nonceSet map[uint64]bool

func (s nonceSet) Add(n uint64)           { s[n] = true }
func (s nonceSet) Remove(n uint64)        { delete(s, n) }
func (s nonceSet) Contains(n uint64) bool { return s[n] }

// counter returns a deterministic nonce source: 1000, 1001, ...
func counter() func() uint64 {
	n := uint64(999)
	return func() uint64 { n++; return n }
}

func newMachine(inbound bool, nonces NonceSet) *Machine {
	return New(Config{
		Inbound: inbound,
		Remote:  netip.MustParseAddrPort("127.0.0.2:8333"),
		Settings: Settings{
			Services:    protocol.SFNodeNetwork | protocol.SFNodeWitness,
			UserAgent:   "/test:0.1/",
			StartHeight: 7,
			Relay:       true,
			Nonces:      nonces,
			Rand:        counter(),
		},
	})
}

// remoteVersion is the version message a fake remote would send.
func remoteVersion(pver int32, nonce uint64) *protocol.MsgVersion {
	return &protocol.MsgVersion{
		ProtocolVersion: pver,
		Services:        protocol.SFNodeNetwork,
		Timestamp:       t0.Unix() + 3,
		Nonce:           nonce,
		UserAgent:       "/remote:1.0/",
		StartHeight:     100,
		Relay:           true,
	}
}

// sent lists the commands of the Send outputs, in order.
func sent(out []Output) []string {
	var cmds []string
	for _, o := range out {
		if o.Kind == Send {
			cmds = append(cmds, o.Msg.Command())
		}
	}
	return cmds
}

func find(out []Output, kind Kind) (Output, bool) {
	for _, o := range out {
		if o.Kind == kind {
			return o, true
		}
	}
	return Output{}, false
}

func sentMsg[T protocol.Message](t *testing.T, out []Output) T {
	t.Helper()
	for _, o := range out {
		if m, ok := o.Msg.(T); ok && o.Kind == Send {
			return m
		}
	}
	var zero T
	t.Fatalf("no %T sent in %v", zero, out)
	return zero
}

func wantDisconnect(t *testing.T, out []Output, reason Reason) {
	t.Helper()
	o, ok := find(out, Disconnect)
	if !ok {
		t.Fatalf("no disconnect in %+v", out)
	}
	if o.Reason != reason {
		t.Fatalf("disconnect reason = %v, want %v", o.Reason, reason)
	}
}

func wantNothing(t *testing.T, out []Output) {
	t.Helper()
	if len(out) != 0 {
		t.Fatalf("outputs = %+v, want none", out)
	}
}

// handshake takes m through a full handshake with a 70016 remote at t0+1s and
// returns the outputs of the verack.
func handshake(t *testing.T, m *Machine) []Output {
	t.Helper()
	m.Start(t0, nil)
	m.Received(t0.Add(time.Second), remoteVersion(70016, 42), nil)
	out := m.Received(t0.Add(time.Second), &protocol.MsgVerack{}, nil)
	if m.Phase() != PhaseReady {
		t.Fatalf("phase = %v after handshake", m.Phase())
	}
	return out
}

func TestHandshakeOutbound(t *testing.T) {
	nonces := nonceSet{}
	m := newMachine(false, nonces)

	out := m.Start(t0, nil)
	if got := sent(out); !slices.Equal(got, []string{"version"}) {
		t.Fatalf("start sent %v, want [version]", got)
	}
	v := sentMsg[*protocol.MsgVersion](t, out)
	if v.ProtocolVersion != 70016 || v.Nonce == 0 || v.UserAgent != "/test:0.1/" ||
		v.StartHeight != 7 || !v.Relay || v.Timestamp != t0.Unix() ||
		v.Services != protocol.SFNodeNetwork|protocol.SFNodeWitness {
		t.Fatalf("version = %+v", v)
	}
	// Core names the remote only when its address is routable.
	if v.AddrRecv.Addr != netip.IPv6Unspecified() || v.AddrRecv.Port != 0 {
		t.Fatalf("addr_recv = %v, want unspecified for a loopback remote", v.AddrRecv.AddrPort())
	}
	if !nonces.Contains(v.Nonce) {
		t.Fatalf("outbound nonce %d not registered", v.Nonce)
	}
	if w, ok := find(out, Wake); !ok || !w.At.Equal(t0.Add(DefaultHandshakeTimeout)) {
		t.Fatalf("wake = %+v, want handshake deadline", w)
	}

	out = m.Received(t0.Add(time.Second), remoteVersion(70016, 42), nil)
	if got := sent(out); !slices.Equal(got, []string{"wtxidrelay", "sendaddrv2", "verack"}) {
		t.Fatalf("after version sent %v", got)
	}
	if m.Phase() != PhaseAwaitVerack {
		t.Fatalf("phase = %v", m.Phase())
	}

	out = m.Received(t0.Add(2*time.Second), &protocol.MsgVerack{}, nil)
	if got := sent(out); !slices.Equal(got, []string{"ping"}) {
		t.Fatalf("after verack sent %v", got)
	}
	ev, ok := find(out, Event)
	if !ok || ev.Event != HandshakeComplete || ev.Version == nil || ev.Version.Nonce != 42 {
		t.Fatalf("event = %+v, want handshake complete with remote version", ev)
	}
	if nonces.Contains(v.Nonce) {
		t.Fatal("nonce still registered after the handshake")
	}
	if st := m.Status(t0.Add(2 * time.Second)); st.TimeOffset != 2*time.Second || st.CommonVersion != 70016 {
		t.Fatalf("status = %+v", st)
	}
}

func TestHandshakeInbound(t *testing.T) {
	nonces := nonceSet{}
	m := newMachine(true, nonces)

	out := m.Start(t0, nil)
	if got := sent(out); len(got) != 0 {
		t.Fatalf("inbound start sent %v, want nothing", got)
	}
	if len(nonces) != 0 {
		t.Fatal("inbound registered a nonce")
	}
	out = m.Received(t0.Add(time.Second), remoteVersion(70016, 42), nil)
	if got := sent(out); !slices.Equal(got, []string{"version", "wtxidrelay", "sendaddrv2", "verack"}) {
		t.Fatalf("after version sent %v", got)
	}
	out = m.Received(t0.Add(2*time.Second), &protocol.MsgVerack{}, nil)
	if ev, ok := find(out, Event); !ok || ev.Event != HandshakeComplete {
		t.Fatalf("no handshake event in %+v", out)
	}
}

// Like Core (cleanSubVer), the machine keeps only the sanitised user agent:
// whatever reads Remote (getpeerinfo, the debug endpoint, the command line,
// the handshake event, the log) never sees a peer's escape sequences. The
// message received is not changed.
func TestRemoteUserAgentIsSanitised(t *testing.T) {
	for _, inbound := range []bool{false, true} {
		m := newMachine(inbound, nil)
		m.Start(t0, nil)
		v := remoteVersion(70016, 42)
		v.UserAgent = "/evil\x1b[2J\x1b]0;pwned\x07:1.0/\r\n7  127.0.0.9:8333 fake"
		m.Received(t0.Add(time.Second), v, nil)
		out := m.Received(t0.Add(time.Second), &protocol.MsgVerack{}, nil)
		const want = "/evil2J0;pwned:1.0/7  127.0.0.9:8333 fake"
		if got := m.Remote().UserAgent; got != want {
			t.Errorf("inbound=%v: Remote().UserAgent = %q, want %q", inbound, got, want)
		}
		if got := m.Status(t0).Remote.UserAgent; got != want {
			t.Errorf("inbound=%v: Status().Remote.UserAgent = %q, want %q", inbound, got, want)
		}
		if ev, ok := find(out, Event); !ok || ev.Version.UserAgent != want {
			t.Errorf("inbound=%v: handshake event carries %+v", inbound, ev.Version)
		}
		if v.UserAgent[5] != 0x1b {
			t.Errorf("inbound=%v: the received message was changed", inbound)
		}
	}
}

// Core reads a version's timestamp as int64 nTime and raises a negative one
// to 0 before it computes the peer's time offset.
func TestNegativeVersionTimestampClampedToZero(t *testing.T) {
	m := newMachine(false, nil)
	m.Start(t0, nil)
	v := remoteVersion(70016, 42)
	v.Timestamp = -1 << 62
	m.Received(t0, v, nil)
	if got := m.Remote().Timestamp; got != 0 {
		t.Errorf("Remote().Timestamp = %d, want 0", got)
	}
	if got, want := m.Status(t0).TimeOffset, time.Unix(0, 0).Sub(t0); got != want {
		t.Errorf("TimeOffset = %v, want %v (epoch minus now)", got, want)
	}
}

func TestNegotiationByVersion(t *testing.T) {
	tests := []struct {
		name        string
		pver        int32
		afterVer    []string
		afterVerack []string
	}{
		{name: "70016", pver: 70016, afterVer: []string{"wtxidrelay", "sendaddrv2", "verack"}, afterVerack: []string{"ping"}},
		{name: "70017 newer", pver: 70017, afterVer: []string{"wtxidrelay", "sendaddrv2", "verack"}, afterVerack: []string{"ping"}},
		{name: "70015", pver: 70015, afterVer: []string{"verack"}, afterVerack: []string{"ping"}},
		{name: "70011", pver: 70011, afterVer: []string{"verack"}, afterVerack: []string{"ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(false, nil)
			m.Start(t0, nil)
			out := m.Received(t0, remoteVersion(tt.pver, 42), nil)
			if got := sent(out); !slices.Equal(got, tt.afterVer) {
				t.Fatalf("after version sent %v, want %v", got, tt.afterVer)
			}
			out = m.Received(t0, &protocol.MsgVerack{}, nil)
			if got := sent(out); !slices.Equal(got, tt.afterVerack) {
				t.Fatalf("after verack sent %v, want %v", got, tt.afterVerack)
			}
			if want := min(uint32(tt.pver), protocol.ProtocolVersion); m.CommonVersion() != want {
				t.Fatalf("common version = %d, want %d", m.CommonVersion(), want)
			}
		})
	}
}

func TestHandshakeTimeout(t *testing.T) {
	for _, inbound := range []bool{false, true} {
		for _, gotVersion := range []bool{false, true} {
			t.Run(direction(inbound)+map[bool]string{false: "/no-version", true: "/no-verack"}[gotVersion], func(t *testing.T) {
				nonces := nonceSet{}
				m := newMachine(inbound, nonces)
				m.Start(t0, nil)
				if gotVersion {
					m.Received(t0.Add(time.Second), remoteVersion(70016, 42), nil)
				}
				wantNothing(t, m.Tick(t0.Add(DefaultHandshakeTimeout-time.Millisecond), nil))
				out := m.Tick(t0.Add(DefaultHandshakeTimeout), nil)
				wantDisconnect(t, out, HandshakeTimeout)
				if len(nonces) != 0 {
					t.Fatal("nonce still registered after the timeout")
				}
				if m.Phase() != PhaseClosed {
					t.Fatalf("phase = %v", m.Phase())
				}
				wantNothing(t, m.Tick(t0.Add(time.Hour), nil))
			})
		}
	}
}

func direction(inbound bool) string {
	if inbound {
		return "inbound"
	}
	return "outbound"
}

func TestSelfConnection(t *testing.T) {
	nonces := nonceSet{}
	out := newMachine(false, nonces)
	ours := sentMsg[*protocol.MsgVersion](t, out.Start(t0, nil))

	in := newMachine(true, nonces)
	in.Start(t0, nil)
	got := in.Received(t0, ours, nil)
	wantDisconnect(t, got, SelfConnection)
	if s := sent(got); len(s) != 0 {
		t.Fatalf("sent %v to ourselves", s)
	}

	// Core checks the nonce on inbound connections only.
	other := newMachine(false, nonces)
	other.Start(t0, nil)
	if _, ok := find(other.Received(t0, ours, nil), Disconnect); ok {
		t.Fatal("outbound connection disconnected on a known nonce")
	}
}

func TestObsoleteVersion(t *testing.T) {
	for _, inbound := range []bool{false, true} {
		t.Run(direction(inbound), func(t *testing.T) {
			m := newMachine(inbound, nonceSet{})
			m.Start(t0, nil)
			wantDisconnect(t, m.Received(t0, remoteVersion(31799, 42), nil), ObsoleteVersion)

			m = newMachine(inbound, nonceSet{})
			m.Start(t0, nil)
			out := m.Received(t0, remoteVersion(protocol.MinPeerProtocolVersion, 42), nil)
			if _, ok := find(out, Disconnect); ok {
				t.Fatal("MinPeerProtocolVersion rejected")
			}
		})
	}
}

// TestExpectedServices follows Core's VERSION handler: a connection that
// expects services (an automatic outbound or addr-fetch one, as connmgr
// decides) refuses a version lacking any of them at once, before its
// verack and before looking at the version number; one that expects
// nothing (inbound, manual, feeler) takes any services.
func TestExpectedServices(t *testing.T) {
	full := protocol.SFNodeNetwork | protocol.SFNodeWitness
	with := func(inbound bool, expect protocol.ServiceFlag) *Machine {
		m := New(Config{Inbound: inbound, Remote: netip.MustParseAddrPort("127.0.0.2:8333"), ExpectServices: expect,
			Settings: Settings{Services: full, Rand: counter()}})
		m.Start(t0, nil)
		return m
	}
	version := func(pver int32, services protocol.ServiceFlag) *protocol.MsgVersion {
		v := remoteVersion(pver, 42)
		v.Services = services
		return v
	}

	for _, tc := range []struct {
		name     string
		pver     int32
		services protocol.ServiceFlag
	}{
		{"none", 70016, 0},
		{"no witness", 70016, protocol.SFNodeNetwork},
		{"limited instead of network", 70016, protocol.SFNodeNetworkLimited | protocol.SFNodeWitness},
		{"obsolete too", 31799, 0},
	} {
		t.Run("outbound refuses "+tc.name, func(t *testing.T) {
			m := with(false, full)
			out := m.Received(t0, version(tc.pver, tc.services), nil)
			wantDisconnect(t, out, MissingServices)
			if s := sent(out); len(s) != 0 {
				t.Fatalf("sent %v to a peer refused for its services", s)
			}
			o, _ := find(out, Disconnect)
			if o.Version == nil || o.Version.Services != tc.services {
				t.Fatalf("disconnect output carries version %+v, want the refused one", o.Version)
			}
			if m.Phase() != PhaseClosed || m.Remote() != nil {
				t.Fatalf("phase %v, remote %v after the refusal", m.Phase(), m.Remote())
			}
			if m.ExpectServices() != full {
				t.Fatalf("ExpectServices() = %v", m.ExpectServices())
			}
		})
	}

	t.Run("outbound accepts more than expected", func(t *testing.T) {
		m := with(false, full)
		out := m.Received(t0, version(70016, full|protocol.SFNodeBloom), nil)
		if _, ok := find(out, Disconnect); ok || !slices.Contains(sent(out), "verack") {
			t.Fatalf("outputs %+v, want a verack and no disconnect", out)
		}
	})
	for _, inbound := range []bool{false, true} {
		// Outbound expecting nothing: a manual or feeler connection.
		t.Run(direction(inbound)+" expecting nothing accepts none", func(t *testing.T) {
			m := with(inbound, 0)
			out := m.Received(t0, version(70016, 0), nil)
			if _, ok := find(out, Disconnect); ok || !slices.Contains(sent(out), "verack") {
				t.Fatalf("outputs %+v, want a verack and no disconnect", out)
			}
			m.Received(t0, &protocol.MsgVerack{}, nil)
			if m.Phase() != PhaseReady {
				t.Fatalf("phase %v, want ready", m.Phase())
			}
		})
	}
	if MissingServices.Discourages() {
		t.Fatal("missing services discourages; Core only disconnects")
	}
}

func TestDuplicateVersionIgnored(t *testing.T) {
	for _, inbound := range []bool{false, true} {
		t.Run(direction(inbound), func(t *testing.T) {
			m := newMachine(inbound, nil)
			m.Start(t0, nil)
			m.Received(t0, remoteVersion(70016, 42), nil)
			wantNothing(t, m.Received(t0, remoteVersion(70015, 43), nil))
			if m.Remote().Nonce != 42 || m.CommonVersion() != 70016 {
				t.Fatal("second version changed the state")
			}
			handshakeOut := m.Received(t0, &protocol.MsgVerack{}, nil)
			if _, ok := find(handshakeOut, Event); !ok {
				t.Fatal("handshake did not complete")
			}
			// After the handshake too.
			wantNothing(t, m.Received(t0, remoteVersion(70016, 44), nil))
		})
	}
}

func TestMessageBeforeVersionIgnored(t *testing.T) {
	msgs := []protocol.Message{
		&protocol.MsgVerack{},
		&protocol.MsgPing{Nonce: 5},
		&protocol.MsgWtxidRelay{},
		&protocol.MsgSendHeaders{},
		&protocol.MsgGetAddr{},
		&protocol.MsgRaw{Cmd: "tx", Payload: []byte{1}},
	}
	for _, inbound := range []bool{false, true} {
		t.Run(direction(inbound), func(t *testing.T) {
			m := newMachine(inbound, nil)
			m.Start(t0, nil)
			for _, msg := range msgs {
				wantNothing(t, m.Received(t0, msg, nil))
			}
			if st := m.Status(t0); st.Phase != PhaseAwaitVersion || st.PrefersHeaders || st.WtxidRelay {
				t.Fatalf("status changed: %+v", st)
			}
		})
	}
}

func TestUnsupportedBeforeVerackIgnored(t *testing.T) {
	m := newMachine(false, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	for _, msg := range []protocol.Message{&protocol.MsgPing{Nonce: 5}, &protocol.MsgGetAddr{}, &protocol.MsgPong{Nonce: 1}} {
		wantNothing(t, m.Received(t0, msg, nil))
	}
}

func TestNegotiationBeforeVerackRecorded(t *testing.T) {
	m := newMachine(true, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	for _, msg := range []protocol.Message{
		&protocol.MsgWtxidRelay{}, &protocol.MsgSendAddrV2{},
		&protocol.MsgSendCmpct{Announce: true, Version: 2},
	} {
		wantNothing(t, m.Received(t0, msg, nil))
	}
	m.Received(t0, &protocol.MsgSendHeaders{}, nil) // forwarded (TestSendHeadersForwardedOnce)
	m.Received(t0, &protocol.MsgVerack{}, nil)
	m.Received(t0, &protocol.MsgFeeFilter{MinFee: 1000}, nil)
	st := m.Status(t0)
	if !st.WtxidRelay || !st.WantsAddrV2 || !st.PrefersHeaders || !st.SendCmpct ||
		!st.CmpctAnnounce || st.CmpctVersion != 2 || !st.ProvidesCmpct || st.FeeFilter != 1000 {
		t.Fatalf("status = %+v", st)
	}
}

// sendheaders is recorded (Status.PrefersHeaders) and its first of a
// connection forwarded, before verack as after it: the chain decides how
// new blocks are announced. A repeat is not forwarded, nor one no handler
// takes.
func TestSendHeadersForwardedOnce(t *testing.T) {
	for _, tc := range []struct {
		name          string
		beforeVerack  bool
		handlers      Handlers
		wantForwarded bool
	}{
		{name: "after verack", wantForwarded: true},
		{name: "before verack", beforeVerack: true, wantForwarded: true},
		{name: "a handler takes it", handlers: handled{protocol.CmdSendHeaders: true}, wantForwarded: true},
		{name: "no handler takes it", handlers: handled{protocol.CmdHeaders: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machineWith(protocol.SFNodeNetwork, tc.handlers)
			m.Start(t0, nil)
			m.Received(t0, remoteVersion(70016, 42), nil)
			if !tc.beforeVerack {
				m.Received(t0, &protocol.MsgVerack{}, nil)
			}
			msg := &protocol.MsgSendHeaders{}
			out := m.Received(t0, msg, nil)
			if o, ok := find(out, Forward); ok != tc.wantForwarded || (ok && o.Msg != msg) {
				t.Fatalf("first sendheaders: outputs %+v, want forwarded %v", out, tc.wantForwarded)
			}
			if !m.Status(t0).PrefersHeaders {
				t.Fatal("sendheaders not recorded")
			}
			for range 3 {
				wantNothing(t, m.Received(t0, &protocol.MsgSendHeaders{}, nil))
			}
			if tc.beforeVerack {
				m.Received(t0, &protocol.MsgVerack{}, nil)
				wantNothing(t, m.Received(t0, &protocol.MsgSendHeaders{}, nil))
			}
		})
	}
}

func TestWtxidRelayIgnoredBelow70016(t *testing.T) {
	m := newMachine(false, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70015, 42), nil)
	m.Received(t0, &protocol.MsgWtxidRelay{}, nil)
	if m.Status(t0).WtxidRelay {
		t.Fatal("wtxidrelay accepted from a 70015 peer")
	}
}

func TestNegotiationAfterVerackDisconnects(t *testing.T) {
	for _, msg := range []protocol.Message{&protocol.MsgWtxidRelay{}, &protocol.MsgSendAddrV2{}} {
		t.Run(msg.Command(), func(t *testing.T) {
			m := newMachine(false, nonceSet{})
			handshake(t, m)
			out := m.Received(t0.Add(3*time.Second), msg, nil)
			wantDisconnect(t, out, ProtocolViolation)
			wantNothing(t, m.Received(t0.Add(4*time.Second), &protocol.MsgPing{Nonce: 1}, nil))
		})
	}
}

func TestForwardAfterHandshake(t *testing.T) {
	m := newMachine(false, nil)
	handshake(t, m)
	for _, msg := range []protocol.Message{&protocol.MsgGetAddr{}, &protocol.MsgRaw{Cmd: "tx", Payload: []byte{1}}} {
		out := m.Received(t0.Add(3*time.Second), msg, nil)
		if len(out) != 1 || out[0].Kind != Forward || out[0].Msg != msg {
			t.Fatalf("outputs = %+v, want one forward of %T", out, msg)
		}
	}
	// Messages the machine handles are not forwarded.
	for _, msg := range []protocol.Message{&protocol.MsgSendCmpct{Version: 2}, &protocol.MsgFeeFilter{MinFee: 5}, &protocol.MsgVerack{}} {
		if _, ok := find(m.Received(t0.Add(3*time.Second), msg, nil), Forward); ok {
			t.Fatalf("%T forwarded", msg)
		}
	}
}

func TestPingAnswered(t *testing.T) {
	m := newMachine(true, nil)
	handshake(t, m)
	out := m.Received(t0.Add(3*time.Second), &protocol.MsgPing{Nonce: 0xdead}, nil)
	pong := sentMsg[*protocol.MsgPong](t, out)
	if pong.Nonce != 0xdead {
		t.Fatalf("pong nonce = %x, want dead", pong.Nonce)
	}
}

func TestPingSchedule(t *testing.T) {
	m := newMachine(false, nil)
	tHS := t0.Add(time.Second)
	out := handshake(t, m)
	ping := sentMsg[*protocol.MsgPing](t, out)
	if ping.Nonce == 0 {
		t.Fatal("ping without nonce")
	}
	if w, ok := find(out, Wake); !ok || !w.At.Equal(tHS.Add(DefaultPingTimeout)) {
		t.Fatalf("wake = %+v, want ping timeout", w)
	}

	// A pong with another nonce is ignored; the matching one gives the RTT.
	wantNothing(t, m.Received(tHS.Add(10*time.Millisecond), &protocol.MsgPong{Nonce: ping.Nonce + 1}, nil))
	out = m.Received(tHS.Add(50*time.Millisecond), &protocol.MsgPong{Nonce: ping.Nonce}, nil)
	ev, ok := find(out, Event)
	if !ok || ev.Event != Pong || ev.RTT != 50*time.Millisecond {
		t.Fatalf("event = %+v, want pong 50ms", ev)
	}
	if w, ok := find(out, Wake); !ok || !w.At.Equal(tHS.Add(DefaultPingInterval)) {
		t.Fatalf("wake = %+v, want next ping", w)
	}
	// A second pong for the same ping is unsolicited.
	wantNothing(t, m.Received(tHS.Add(60*time.Millisecond), &protocol.MsgPong{Nonce: ping.Nonce}, nil))

	// No second ping before the interval.
	wantNothing(t, m.Tick(tHS.Add(DefaultPingInterval-time.Millisecond), nil))
	out = m.Tick(tHS.Add(DefaultPingInterval), nil)
	ping2 := sentMsg[*protocol.MsgPing](t, out)
	if ping2.Nonce == ping.Nonce {
		t.Fatal("nonce reused")
	}
	tP2 := tHS.Add(DefaultPingInterval)
	out = m.Received(tP2.Add(20*time.Millisecond), &protocol.MsgPong{Nonce: ping2.Nonce}, nil)
	if ev, _ := find(out, Event); ev.RTT != 20*time.Millisecond {
		t.Fatalf("second RTT = %v", ev.RTT)
	}
	st := m.Status(tP2.Add(time.Second))
	if st.LastPing != 20*time.Millisecond || st.MinPing != 20*time.Millisecond || st.PingWait != 0 {
		t.Fatalf("status = %+v", st)
	}
}

func TestPingTimeout(t *testing.T) {
	m := newMachine(false, nil)
	tHS := t0.Add(time.Second)
	handshake(t, m)
	// Ticks while the ping is outstanding send nothing new.
	wantNothing(t, m.Tick(tHS.Add(DefaultPingInterval), nil))
	if st := m.Status(tHS.Add(time.Minute)); st.PingWait != time.Minute {
		t.Fatalf("ping wait = %v", st.PingWait)
	}
	wantNothing(t, m.Tick(tHS.Add(DefaultPingTimeout-time.Millisecond), nil))
	wantDisconnect(t, m.Tick(tHS.Add(DefaultPingTimeout), nil), PingTimeout)
	if m.Status(tHS).Reason != PingTimeout {
		t.Fatal("reason not recorded")
	}
}

func TestZeroNoncePongCancelsPing(t *testing.T) {
	m := newMachine(false, nil)
	tHS := t0.Add(time.Second)
	handshake(t, m)
	wantNothing(t, m.Received(tHS.Add(time.Second), &protocol.MsgPong{Nonce: 0}, nil)[:0])
	// Cancelled: no timeout, the next ping goes out on schedule.
	out := m.Tick(tHS.Add(DefaultPingInterval), nil)
	sentMsg[*protocol.MsgPing](t, out)
}

// A pong too short to hold a nonce cancels the ping too (Core's
// ProcessPong: "Short payload").
func TestShortPongCancelsPing(t *testing.T) {
	m := newMachine(false, nil)
	tHS := t0.Add(time.Second)
	handshake(t, m)
	_, err := protocol.Decode(protocol.CmdPong, []byte{1, 2, 3}, protocol.ProtocolVersion)
	if err == nil {
		t.Fatal("a 3-byte pong decoded")
	}
	wantNothing(t, m.DecodeFailed(protocol.CmdPong, err, nil))
	if _, ok := find(m.Tick(tHS.Add(DefaultPingTimeout), nil), Disconnect); ok {
		t.Fatal("timed out on a ping a short pong cancelled")
	}
}

// A routable remote is named in our version's addr_recv, as Core's
// PushNodeVersion does; a private one is not.
func TestVersionNamesRoutableRemoteOnly(t *testing.T) {
	for remote, want := range map[string]string{
		"8.8.8.8:8333":          "8.8.8.8:8333",
		"[2001:4860::8]:8333":   "[2001:4860::8]:8333",
		"192.168.1.2:8333":      "[::]:0",
		"[fe80::1]:8333":        "[::]:0",
		"[::ffff:1.1.1.1]:8333": "1.1.1.1:8333",
	} {
		m := New(Config{Remote: netip.MustParseAddrPort(remote), Settings: Settings{Rand: counter()}})
		v := sentMsg[*protocol.MsgVersion](t, m.Start(t0, nil))
		if got := v.AddrRecv.AddrPort().String(); got != want {
			t.Errorf("remote %s: addr_recv %s, want %s", remote, got, want)
		}
	}
}

func TestOldPeerPingWithoutNonce(t *testing.T) {
	m := newMachine(false, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(protocol.BIP0031Version, 42), nil)
	out := m.Received(t0, &protocol.MsgVerack{}, nil)
	if p := sentMsg[*protocol.MsgPing](t, out); p.Nonce != 0 {
		t.Fatalf("ping nonce = %d, want 0 for a pre-BIP31 peer", p.Nonce)
	}
	// Nothing outstanding, so no timeout; pings are not answered.
	if _, ok := find(m.Tick(t0.Add(DefaultPingTimeout), nil), Disconnect); ok {
		t.Fatal("pre-BIP31 peer timed out")
	}
	if s := sent(m.Received(t0, &protocol.MsgPing{}, nil)); len(s) != 0 {
		t.Fatalf("answered a pre-BIP31 ping with %v", s)
	}
}

func TestDisconnectAndClosed(t *testing.T) {
	nonces := nonceSet{}
	m := newMachine(false, nonces)
	m.Start(t0, nil)
	out := m.Disconnect(Requested, nil)
	wantDisconnect(t, out, Requested)
	wantNothing(t, m.Disconnect(Requested, nil))
	if len(nonces) != 0 {
		t.Fatal("nonce kept after disconnect")
	}

	m = newMachine(false, nonces)
	m.Start(t0, nil)
	m.Closed()
	if len(nonces) != 0 {
		t.Fatal("nonce kept after close")
	}
	wantNothing(t, m.Received(t0, remoteVersion(70016, 1), nil))
	wantNothing(t, m.Tick(t0.Add(time.Hour), nil))
}

func TestReasonStrings(t *testing.T) {
	for r := ReasonNone; r <= MissingServices; r++ {
		if s := r.String(); s == "" || s == "unknown" {
			t.Fatalf("reason %d has no name", r)
		}
	}
	if Reason(200).String() != "unknown" {
		t.Fatal("out-of-range reason named")
	}
	if PingTimeout.Error() != "peer disconnect: ping-timeout" {
		t.Fatalf("Error() = %q", PingTimeout.Error())
	}
}

func TestOutputsAppendWithoutAllocating(t *testing.T) {
	m := newMachine(true, nil)
	handshake(t, m)
	buf := make([]Output, 0, 8)
	now := t0.Add(3 * time.Second)
	msg := &protocol.MsgGetAddr{}
	allocs := testing.AllocsPerRun(100, func() {
		buf = m.Received(now, msg, buf[:0])
	})
	if allocs != 0 {
		t.Fatalf("forwarding allocates %v times", allocs)
	}
}

func TestReceivedPingAnswersWithoutAllocating(t *testing.T) {
	m := newMachine(true, nil)
	wantNothing(t, m.ReceivedPing(t0, 7, nil))
	handshake(t, m)
	out := m.ReceivedPing(t0.Add(time.Second), 0xbeef, nil)
	if len(out) != 1 || out[0].Kind != SendPong || out[0].Nonce != 0xbeef || out[0].Msg != nil {
		t.Fatalf("outputs %+v, want one SendPong 0xbeef", out)
	}
	buf := make([]Output, 0, 4)
	if a := testing.AllocsPerRun(100, func() { buf = m.ReceivedPing(t0, 1, buf[:0]) }); a != 0 {
		t.Fatalf("ReceivedPing allocates %v times", a)
	}
}
