package machine

import "testing"

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
