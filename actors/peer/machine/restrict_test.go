package machine

import (
	"testing"

	"github.com/actornode/actornode/protocol"
)

// restricted is an outbound machine of the given restrictions whose
// handshake is done; inv and addr have handlers.
func restricted(t *testing.T, r Restrictions) (*Machine, *protocol.MsgVersion) {
	t.Helper()
	m := newMachine(false, nonceSet{})
	m.cfg = &Settings{Services: m.cfg.Services, UserAgent: m.cfg.UserAgent, Relay: true, Rand: counter(),
		Handlers:         handled{protocol.CmdAddr: true, protocol.CmdAddrV2: true, protocol.CmdInv: true},
		HandshakeTimeout: m.cfg.HandshakeTimeout, PingInterval: m.cfg.PingInterval, PingTimeout: m.cfg.PingTimeout}
	m.Restrict(r)
	out := m.Start(t0, nil)
	v := sentMsg[*protocol.MsgVersion](t, out)
	m.Received(t0, remoteVersion(70016, 42), nil)
	m.Received(t0, &protocol.MsgVerack{}, nil)
	if m.Phase() != PhaseReady {
		t.Fatalf("phase %v", m.Phase())
	}
	return m, v
}

// A block-relay-only connection's version says relay=false; its addr and
// addrv2 are ignored unread, even over 1000 entries; a tx, or an inv of
// one, disconnects it; a block inv goes on.
func TestBlockRelayOnlyRestrictions(t *testing.T) {
	m, v := restricted(t, Restrictions{NoTxRelay: true, NoAddrRelay: true})
	if v.Relay {
		t.Fatal("version of a block-relay-only connection says relay=true")
	}
	for _, cmd := range []string{protocol.CmdAddr, protocol.CmdAddrV2} {
		if d, disc := admitted(m, cmd); d || disc {
			t.Fatalf("%s: decode %v, disconnect %v", cmd, d, disc)
		}
		big := protocol.AppendCompactSize(nil, 5000)
		big = append(big, make([]byte, 5000*30)...)
		wantNothing(t, m.Ignored(cmd, big, nil))
	}
	if d, _ := admitted(m, protocol.CmdInv); !d {
		t.Fatal("inv not read for transactions")
	}
	out := m.Received(t0, &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock}}}, nil)
	if _, ok := find(out, Forward); !ok {
		t.Fatalf("block inv not forwarded: %+v", out)
	}
	out = m.Received(t0, &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock}, {Type: protocol.InvTypeWTx}}}, nil)
	wantDisconnect(t, out, TxRelayViolation)

	m, _ = restricted(t, Restrictions{NoTxRelay: true, NoAddrRelay: true})
	_, out = m.Admit(protocol.CmdTx, nil)
	wantDisconnect(t, out, TxRelayViolation)
	if TxRelayViolation.Discourages() {
		t.Fatal("a tx from a block-relay-only peer discourages; Core only disconnects")
	}
}

// Without restrictions the same connection says relay=true and reads
// addr; a feeler's (NoTxRelay only) says relay=false and reads addr.
func TestRestrictionsApart(t *testing.T) {
	m, v := restricted(t, Restrictions{})
	if !v.Relay {
		t.Fatal("relay=false without restrictions")
	}
	if d, _ := admitted(m, protocol.CmdAddr); !d {
		t.Fatal("addr not read")
	}
	m, v = restricted(t, Restrictions{NoTxRelay: true})
	if v.Relay {
		t.Fatal("a feeler's version says relay=true")
	}
	if d, _ := admitted(m, protocol.CmdAddr); !d {
		t.Fatal("a feeler's addr not read")
	}
}
