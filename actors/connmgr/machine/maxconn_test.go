package machine

import (
	"slices"
	"testing"
)

// MaxConnections 0 is the default; a negative value leaves no inbound slot
// (the node's -maxconnections=0, with no outbound slot), however often the
// defaults are applied.
func TestNegativeMaxConnectionsLeavesNoInboundSlot(t *testing.T) {
	if got := (Config{MaxOutbound: 8, AddrBook: true}).MaxInbound(); got != DefaultMaxConnections-8-1 {
		t.Errorf("default: MaxInbound = %d, want %d", got, DefaultMaxConnections-8-1)
	}
	c := Config{MaxConnections: -1}
	if got := c.MaxInbound(); got != 0 {
		t.Errorf("negative: MaxInbound = %d, want 0", got)
	}
	if got := c.withDefaults().withDefaults().MaxInbound(); got != 0 {
		t.Errorf("negative, defaults applied twice: MaxInbound = %d, want 0", got)
	}
}

// Start gives io its caps on accepted connections before any listener
// opens: MaxUndecided undecided, and the inbound slots plus MaxUndecided
// open; none without listening, or with MaxUndecided negative.
func TestStartLimitsAcceptsBeforeListening(t *testing.T) {
	m := newTest(Config{Listen: true, MaxConnections: 20, MaxOutbound: 4, AddrBook: true})
	out := m.Start(t0, nil)
	lim := find(t, out, LimitAccepts)
	if want := 20 - 4 - 1 + DefaultMaxUndecided; lim.MaxUndecided != DefaultMaxUndecided || lim.MaxInbound != want {
		t.Fatalf("limits %d undecided, %d inbound; want %d, %d", lim.MaxUndecided, lim.MaxInbound, DefaultMaxUndecided, want)
	}
	limAt := slices.IndexFunc(out, func(a Action) bool { return a.Kind == LimitAccepts })
	if listenAt := slices.IndexFunc(out, func(a Action) bool { return a.Kind == Listen }); listenAt < limAt {
		t.Fatalf("Listen (action %d) before LimitAccepts (%d)", listenAt, limAt)
	}
	m = newTest(Config{Listen: true, MaxConnections: 10, MaxOutbound: 2, MaxUndecided: 5})
	if lim := find(t, m.Start(t0, nil), LimitAccepts); lim.MaxUndecided != 5 || lim.MaxInbound != 10-2+5 {
		t.Fatalf("limits %+v, want 5 undecided, 13 inbound", lim)
	}
	for _, cfg := range []Config{{MaxConnections: 10}, {Listen: true, MaxUndecided: -1}} {
		if out := newTest(cfg).Start(t0, nil); hasKind(out, LimitAccepts) {
			t.Fatalf("config %+v: limits given: %v", cfg, out)
		}
	}
}
