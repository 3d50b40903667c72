package machine

import (
	"fmt"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Each rule the machine enforces, with what Core's net_processing makes it
// cost: Misbehaving (the reason discourages, the machine stays open and
// the connection manager decides) or a plain fDisconnect (the machine
// closes).
func TestRuleClassification(t *testing.T) {
	tooMany := func(cmd string) error { return fmt.Errorf("decode %s: %w", cmd, protocol.ErrTooMany) }
	badAnnounce := fmt.Errorf("decode sendcmpct: %w", protocol.ErrBadAnnounce)
	ready := func(m *Machine) { handshake(t, m) }
	versioned := func(m *Machine) {
		m.Start(t0, nil)
		m.Received(t0, remoteVersion(70016, 42), nil)
	}
	tests := []struct {
		name  string
		setup func(*Machine)
		input func(*Machine) []Output
		want  Reason
	}{
		// Misbehaving in Core.
		{"addr over 1000", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdAddr, tooMany("addr"), nil) }, TooManyEntries},
		{"addrv2 over 1000", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdAddrV2, tooMany("addrv2"), nil) }, TooManyEntries},
		{"inv over 50000", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdInv, tooMany("inv"), nil) }, TooManyEntries},
		{"getdata over 50000", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdGetData, tooMany("getdata"), nil) }, TooManyEntries},
		{"headers over 2000", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdHeaders, tooMany("headers"), nil) }, TooManyEntries},
		{"sendcmpct announce 2", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdSendCmpct, badAnnounce, nil) }, InvalidSendCmpct},
		{"sendcmpct announce 2 before verack", versioned, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdSendCmpct, badAnnounce, nil) }, InvalidSendCmpct},
		// A plain disconnect in Core.
		{"getheaders locator over 101", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdGetHeaders, tooMany("getheaders"), nil) }, ProtocolViolation},
		{"getblocks locator over 101", ready, func(m *Machine) []Output { return m.DecodeFailed(protocol.CmdGetBlocks, tooMany("getblocks"), nil) }, ProtocolViolation},
		{"wtxidrelay after verack", ready, func(m *Machine) []Output { return m.Received(t0.Add(2*time.Second), &protocol.MsgWtxidRelay{}, nil) }, ProtocolViolation},
		{"sendaddrv2 after verack", ready, func(m *Machine) []Output { _, out := m.Admit(protocol.CmdSendAddrV2, nil); return out }, ProtocolViolation},
		{"malformed version", func(m *Machine) { m.Start(t0, nil) }, func(m *Machine) []Output {
			return m.DecodeFailed(protocol.CmdVersion, fmt.Errorf("decode version: %w", protocol.ErrShortInput), nil)
		}, ProtocolViolation},
		{"obsolete version", func(m *Machine) { m.Start(t0, nil) }, func(m *Machine) []Output { return m.Received(t0, remoteVersion(209, 42), nil) }, ObsoleteVersion},
		{"filterload without NODE_BLOOM", ready, func(m *Machine) []Output { _, out := m.Admit(protocol.CmdFilterLoad, nil); return out }, ServiceNotOffered},
		{"mempool without NODE_BLOOM", ready, func(m *Machine) []Output { _, out := m.Admit(protocol.CmdMempool, nil); return out }, ServiceNotOffered},
		{"getcfilters without NODE_COMPACT_FILTERS", ready, func(m *Machine) []Output { return m.Received(t0.Add(2*time.Second), &protocol.MsgGetCFilters{}, nil) }, ServiceNotOffered},
		{"handshake timeout", func(m *Machine) { m.Start(t0, nil) }, func(m *Machine) []Output { return m.Tick(t0.Add(DefaultHandshakeTimeout), nil) }, HandshakeTimeout},
		{"ping timeout", ready, func(m *Machine) []Output { return m.Tick(t0.Add(time.Second+DefaultPingTimeout), nil) }, PingTimeout},
		{"requested", ready, func(m *Machine) []Output { return m.Disconnect(Requested, nil) }, Requested},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machineWith(protocol.SFNodeNetwork, nil)
			tt.setup(m)
			before := m.Phase()
			out := tt.input(m)
			wantDisconnect(t, out, tt.want)
			core := tt.want == TooManyEntries || tt.want == InvalidSendCmpct
			if tt.want.Discourages() != core {
				t.Fatalf("%v discourages = %v, want %v", tt.want, tt.want.Discourages(), core)
			}
			if core {
				if m.Phase() != before {
					t.Fatalf("phase %v -> %v: a discouraging rule leaves the decision to connmgr", before, m.Phase())
				}
				if st := m.Status(t0); st.Reason != ReasonNone {
					t.Fatalf("status reason %v for an open machine", st.Reason)
				}
			} else if m.Phase() != PhaseClosed {
				t.Fatalf("phase %v after a plain disconnect, want closed", m.Phase())
			}
		})
	}
}

// A peer that misbehaves and stays connected (a manual one, in Core) goes
// on: the next message is handled, and misbehaving again is reported again.
func TestMisbehavingMachineGoesOn(t *testing.T) {
	m := machineWith(protocol.SFNodeNetwork, nil)
	handshake(t, m)
	tooMany := fmt.Errorf("decode addr: %w", protocol.ErrTooMany)
	wantDisconnect(t, m.DecodeFailed(protocol.CmdAddr, tooMany, nil), TooManyEntries)
	out := m.Received(t0.Add(2*time.Second), &protocol.MsgPing{Nonce: 7}, nil)
	if p := sentMsg[*protocol.MsgPong](t, out); p.Nonce != 7 {
		t.Fatalf("pong nonce %d", p.Nonce)
	}
	wantDisconnect(t, m.DecodeFailed(protocol.CmdAddr, tooMany, nil), TooManyEntries)
}

func TestEveryReasonNamed(t *testing.T) {
	for r := HandshakeTimeout; r <= InvalidSendCmpct; r++ {
		if r.String() == "unknown" || r.String() == "" {
			t.Fatalf("reason %d has no name", r)
		}
	}
}
