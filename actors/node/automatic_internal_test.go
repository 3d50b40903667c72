package node

import (
	"testing"
	"time"
)

// Core's CConnman::Init: full-relay outbound slots are
// min(8, -maxconnections); every automatic outbound connection (feelers
// too) holds one of min(automatic outbound, -maxconnections) grants, so a
// feeler needs a grant beyond the outbound slots; -maxconnections=0 leaves
// no slot of any kind (connmgr's "none" is negative, its 0 the default).
func TestAutomaticConnectionsSizedAsCore(t *testing.T) {
	for _, tc := range []struct {
		maxConns, maxOut int
		feeler           time.Duration
		wantConns        int
		wantOut          int
		wantFeeler       time.Duration
	}{
		{125, 8, 2 * time.Minute, 125, 8, 2 * time.Minute},
		{0, 8, 2 * time.Minute, -1, 0, -1},
		{5, 8, 2 * time.Minute, 5, 5, -1},
		{8, 8, 2 * time.Minute, 8, 8, -1},
		{9, 8, 2 * time.Minute, 9, 8, -1}, // the ninth grant goes to a block-relay-only peer
		{11, 8, 2 * time.Minute, 11, 8, 2 * time.Minute},
		{125, 0, 2 * time.Minute, 125, 0, 2 * time.Minute}, // connmgr runs none without outbound slots
		{125, 8, 0, 125, 8, -1},
	} {
		c := DefaultConfig()
		c.MaxConnections, c.MaxOutbound, c.FeelerInterval = tc.maxConns, tc.maxOut, tc.feeler
		conns, out, feeler := automaticConnections(&c)
		if conns != tc.wantConns || out != tc.wantOut || feeler != tc.wantFeeler {
			t.Errorf("maxconnections %d maxoutbound %d feelerinterval %v: got %d %d %v, want %d %d %v",
				tc.maxConns, tc.maxOut, tc.feeler, conns, out, feeler, tc.wantConns, tc.wantOut, tc.wantFeeler)
		}
	}
}

// Core dials a -seednode only with a grant of its outbound semaphore
// (ProcessAddrFetch): with -maxconnections=0 there is none.
func TestSeedNodesNeedAConnectionSlot(t *testing.T) {
	c := DefaultConfig()
	c.SeedNode = []string{"127.0.0.1:18444"}
	if got := seedNodes(&c); len(got) != 1 {
		t.Errorf("seedNodes = %v, want the one seed node", got)
	}
	c.MaxConnections = 0
	if got := seedNodes(&c); got != nil {
		t.Errorf("seedNodes with maxconnections 0 = %v, want none", got)
	}
}

// Core's m_max_outbound_block_relay: min(2, maxconnections - full relay);
// none with -maxoutbound=0.
func TestBlockRelaySlotsSizedAsCore(t *testing.T) {
	for _, tc := range []struct{ maxConns, maxOut, want int }{
		{125, 8, 2}, {10, 8, 2}, {9, 8, 1}, {8, 8, 0}, {0, 8, 0}, {125, 0, 0}, {125, 1, 2},
	} {
		c := DefaultConfig()
		c.MaxConnections, c.MaxOutbound = tc.maxConns, tc.maxOut
		if got := blockRelaySlots(&c); got != tc.want {
			t.Errorf("maxconnections %d maxoutbound %d: %d block-relay-only slots, want %d", tc.maxConns, tc.maxOut, got, tc.want)
		}
	}
}
