package machine

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var errNoAnswer = errors.New("gateway did not answer")

func newTestMachine(protocols ...string) *Machine {
	return New(Config{Protocols: protocols, InternalPort: 8333, Lifetime: 2 * time.Minute,
		RetryMin: time.Minute, RetryMax: 4 * time.Minute})
}

func grant(proto string, port uint16, lifetime time.Duration, epoch uint32) Mapping {
	return Mapping{Protocol: proto, Gateway: netip.MustParseAddr("198.51.100.1"),
		External: netip.AddrPortFrom(netip.MustParseAddr("1.2.3.4"), port),
		Lifetime: lifetime, Epoch: epoch, HasEpoch: proto != "upnp"}
}

// find returns the outputs of kind k.
func find(out []Output, k OutputKind) []Output {
	var got []Output
	for _, o := range out {
		if o.Kind == k {
			got = append(got, o)
		}
	}
	return got
}

func one(t *testing.T, out []Output, k OutputKind) Output {
	t.Helper()
	got := find(out, k)
	if len(got) != 1 {
		t.Fatalf("want one output of kind %d, got %d in %+v", k, len(got), out)
	}
	return got[0]
}

func events(out []Output) []EventKind {
	var ks []EventKind
	for _, o := range find(out, OutEvent) {
		ks = append(ks, o.Event.Kind)
	}
	return ks
}

// mapped runs a machine to a held natpmp mapping at t0.
func mapped(t *testing.T) *Machine {
	t.Helper()
	m := newTestMachine("natpmp")
	m.Start(t0, nil)
	m.Mapped(t0, grant("natpmp", 8333, 2*time.Minute, 100), nil)
	if m.State() != Mapped {
		t.Fatalf("state %v, want mapped", m.State())
	}
	return m
}

func TestStartAsksFirstProtocol(t *testing.T) {
	m := newTestMachine("pcp", "natpmp")
	o := one(t, m.Start(t0, nil), OutMap)
	if o.Protocol != "pcp" || o.Suggest != 8333 {
		t.Fatalf("map = %+v, want pcp for 8333", o)
	}
}

func TestNothingToMap(t *testing.T) {
	for _, m := range []*Machine{New(Config{InternalPort: 8333}), New(Config{Protocols: []string{"pcp"}})} {
		if out := m.Start(t0, nil); len(out) != 0 {
			t.Fatalf("start gave %+v", out)
		}
		if o := one(t, m.Stop(t0, nil), OutDone); o.Kind != OutDone {
			t.Fatal("no done")
		}
	}
}

func TestFallbackToNextProtocol(t *testing.T) {
	m := newTestMachine("pcp", "natpmp")
	m.Start(t0, nil)
	out := m.Failed(t0, errNoAnswer, nil)
	if o := one(t, out, OutMap); o.Protocol != "natpmp" {
		t.Fatalf("fallback asks %q, want natpmp", o.Protocol)
	}
	ev := one(t, out, OutEvent).Event
	if ev.Kind != EventFailed || ev.Protocol != "pcp" || !strings.Contains(ev.Next, "natpmp") {
		t.Fatalf("event = %+v", ev)
	}
	out = m.Mapped(t0, grant("natpmp", 8333, 2*time.Minute, 5), nil)
	if a := one(t, out, OutAdvertise); a.Addr != netip.MustParseAddrPort("1.2.3.4:8333") {
		t.Fatalf("advertise %v", a.Addr)
	}
	if w := one(t, out, OutWake); !w.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("renewal at %v, want half the lifetime (%v)", w.At, t0.Add(time.Minute))
	}
}

func TestMappedPortDiffersIsAdvertised(t *testing.T) {
	m := newTestMachine("natpmp")
	m.Start(t0, nil)
	out := m.Mapped(t0, grant("natpmp", 8334, time.Minute, 1), nil)
	if a := one(t, out, OutAdvertise); a.Addr.Port() != 8334 {
		t.Fatalf("advertised %v, want the granted port 8334", a.Addr)
	}
}

func TestRenewBeforeHalfLifetime(t *testing.T) {
	m := mapped(t)
	if out := m.Wake(t0.Add(59*time.Second), nil); len(out) != 0 {
		t.Fatalf("early wake gave %+v", out)
	}
	out := m.Wake(t0.Add(time.Minute), nil)
	if o := one(t, out, OutMap); o.Protocol != "natpmp" || o.Suggest != 8333 {
		t.Fatalf("renewal = %+v", o)
	}
	out = m.Mapped(t0.Add(time.Minute), grant("natpmp", 8333, 2*time.Minute, 160), nil)
	if got := events(out); len(got) != 1 || got[0] != EventRenewed {
		t.Fatalf("events %v, want renewed", got)
	}
	if len(find(out, OutAdvertise)) != 0 || len(find(out, OutWithdraw)) != 0 {
		t.Fatalf("same address re-advertised: %+v", out)
	}
	if s := m.Status(); s.Renewals != 1 || s.GatewayRestarts != 0 {
		t.Fatalf("status %+v", s)
	}
}

func TestGatewayRestartNoticed(t *testing.T) {
	m := mapped(t)
	m.Wake(t0.Add(time.Minute), nil)
	// The epoch went from 100 back to 3: the gateway restarted.
	out := m.Mapped(t0.Add(time.Minute), grant("natpmp", 8333, 2*time.Minute, 3), nil)
	if got := events(out); len(got) != 2 || got[0] != EventGatewayRestarted {
		t.Fatalf("events %v, want gateway restarted then renewed", got)
	}
	if m.Status().GatewayRestarts != 1 {
		t.Fatal("restart not counted")
	}
}

func TestRenewalWithNewAddress(t *testing.T) {
	m := mapped(t)
	m.Wake(t0.Add(time.Minute), nil)
	out := m.Mapped(t0.Add(time.Minute), grant("natpmp", 9000, 2*time.Minute, 160), nil)
	if w := one(t, out, OutWithdraw); w.Addr.Port() != 8333 {
		t.Fatalf("withdrew %v", w.Addr)
	}
	if a := one(t, out, OutAdvertise); a.Addr.Port() != 9000 {
		t.Fatalf("advertised %v", a.Addr)
	}
}

func TestRoundFailsBacksOffAndLogsRepeatsQuietly(t *testing.T) {
	m := newTestMachine("pcp", "natpmp")
	m.Start(t0, nil)
	m.Failed(t0, errNoAnswer, nil)
	out := m.Failed(t0, errNoAnswer, nil)
	if w := one(t, out, OutWake); !w.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("retry at %v, want after RetryMin", w.At)
	}
	if ev := one(t, out, OutEvent).Event; ev.Repeat || !strings.Contains(ev.Next, "again in 1m") {
		t.Fatalf("event %+v", ev)
	}
	now := t0.Add(time.Minute)
	if o := one(t, m.Wake(now, nil), OutMap); o.Protocol != "pcp" {
		t.Fatalf("new round starts with %q", o.Protocol)
	}
	ev := one(t, m.Failed(now, errNoAnswer, nil), OutEvent).Event
	if !ev.Repeat {
		t.Fatal("the same failure again is not marked as a repeat")
	}
	out = m.Failed(now, errNoAnswer, nil)
	if w := one(t, out, OutWake); !w.At.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("second retry at %v, want doubled backoff", w.At)
	}
	for range 5 {
		now = one(t, out, OutWake).At
		m.Wake(now, nil)
		m.Failed(now, errNoAnswer, nil)
		out = m.Failed(now, errNoAnswer, nil)
	}
	if w := one(t, out, OutWake); w.At.Sub(now) != 4*time.Minute {
		t.Fatalf("backoff %v, want capped at RetryMax", w.At.Sub(now))
	}
	if s := m.Status(); s.Failures != 14 || s.LastError == nil || s.State != Idle {
		t.Fatalf("status %+v", s)
	}
}

func TestRenewalFailureKeepsMappingUntilExpiry(t *testing.T) {
	m := mapped(t)
	now := t0.Add(time.Minute)
	m.Wake(now, nil)
	out := m.Failed(now, errNoAnswer, nil)
	if len(find(out, OutWithdraw)) != 0 {
		t.Fatal("withdrawn while still valid")
	}
	// Backoff 1m would land at expiry (t0+2m): the retry is at expiry.
	w := one(t, out, OutWake)
	if !w.At.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("retry at %v, want at expiry", w.At)
	}
	out = m.Wake(w.At, nil)
	if a := one(t, out, OutWithdraw); a.Addr.Port() != 8333 {
		t.Fatalf("withdraw %+v", a)
	}
	if got := events(out); len(got) != 1 || got[0] != EventExpired {
		t.Fatalf("events %v", got)
	}
	if o := one(t, out, OutMap); o.Protocol != "natpmp" || m.State() != Requesting {
		t.Fatalf("after expiry: %+v in %v", o, m.State())
	}
}

func TestStopDeletesMapping(t *testing.T) {
	m := mapped(t)
	out := m.Stop(t0, nil)
	one(t, out, OutWithdraw)
	if u := one(t, out, OutUnmap); u.Mapping.External.Port() != 8333 {
		t.Fatalf("unmap %+v", u)
	}
	if len(find(out, OutDone)) != 0 {
		t.Fatal("done before the delete answered")
	}
	out = m.Unmapped(t0, nil, nil)
	one(t, out, OutDone)
	if m.State() != Stopped {
		t.Fatalf("state %v", m.State())
	}
}

func TestStopWaitsForRequestInFlight(t *testing.T) {
	t.Run("granted", func(t *testing.T) {
		m := newTestMachine("natpmp")
		m.Start(t0, nil)
		if out := m.Stop(t0, nil); len(out) != 0 {
			t.Fatalf("stop gave %+v", out)
		}
		out := m.Mapped(t0, grant("natpmp", 8333, time.Minute, 1), nil)
		if len(find(out, OutAdvertise)) != 0 {
			t.Fatal("advertised while stopping")
		}
		one(t, out, OutUnmap)
		one(t, m.Unmapped(t0, nil, nil), OutDone)
	})
	t.Run("failed", func(t *testing.T) {
		m := newTestMachine("pcp", "natpmp")
		m.Start(t0, nil)
		m.Stop(t0, nil)
		out := m.Failed(t0, errNoAnswer, nil)
		one(t, out, OutDone)
		if len(find(out, OutMap)) != 0 {
			t.Fatal("fell back to the next protocol while stopping")
		}
	})
	t.Run("renewal failed", func(t *testing.T) {
		m := mapped(t)
		m.Wake(t0.Add(time.Minute), nil)
		one(t, m.Stop(t0.Add(time.Minute), nil), OutWithdraw)
		one(t, m.Failed(t0.Add(time.Minute), errNoAnswer, nil), OutUnmap)
	})
}

func TestStaleAnswersIgnored(t *testing.T) {
	m := mapped(t)
	if out := m.Mapped(t0, grant("natpmp", 1, time.Minute, 1), nil); len(out) != 0 {
		t.Fatalf("answer with nothing in flight gave %+v", out)
	}
	if out := m.Failed(t0, errNoAnswer, nil); len(out) != 0 {
		t.Fatalf("failure with nothing in flight gave %+v", out)
	}
}

func TestPermanentLeaseReasserted(t *testing.T) {
	m := newTestMachine("upnp")
	m.Start(t0, nil)
	out := m.Mapped(t0, grant("upnp", 8333, 0, 0), nil)
	if w := one(t, out, OutWake); !w.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("re-assert at %v, want half the asked lifetime", w.At)
	}
	if !m.Status().Expires.IsZero() {
		t.Fatal("a permanent lease expires")
	}
}

func TestEpochLost(t *testing.T) {
	tests := []struct {
		name        string
		prev, cur   uint32
		elapsed     time.Duration
		wantRestart bool
	}{
		{"in step", 1000, 1060, time.Minute, false},
		{"a second of jitter", 1000, 1059, time.Minute, false},
		{"went backwards", 1000, 5, time.Minute, true},
		{"back by one second only", 1000, 999, 0, false},
		{"restarted a while ago", 1000, 1010, time.Minute, true},
		{"server ran far ahead", 1000, 2000, time.Minute, true},
		{"long interval within 1/16", 0, 3400, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EpochLost(tt.prev, t0, tt.cur, t0.Add(tt.elapsed)); got != tt.wantRestart {
				t.Fatalf("EpochLost = %v, want %v", got, tt.wantRestart)
			}
		})
	}
}
