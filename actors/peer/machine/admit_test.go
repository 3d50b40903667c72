package machine

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// handled is a Handlers answering for a fixed set of commands.
type handled map[string]bool

func (h handled) Handles(cmd string) bool { return h[cmd] }

func machineWith(services protocol.ServiceFlag, h Handlers) *Machine {
	return New(Config{
		Inbound:  true,
		Remote:   netip.MustParseAddrPort("127.0.0.2:8333"),
		Settings: Settings{Services: services, Rand: counter(), Handlers: h},
	})
}

// admitted reports Admit's verdict for cmd and whether it disconnected.
func admitted(m *Machine, cmd string) (decode, disconnected bool) {
	decode, out := m.Admit(cmd, nil)
	_, disconnected = find(out, Disconnect)
	return decode, disconnected
}

func TestAdmitBeforeVersionOnlyVersion(t *testing.T) {
	m := machineWith(protocol.SFNodeNetwork, nil)
	if d, _ := admitted(m, protocol.CmdVersion); d {
		t.Fatal("decoding before Start")
	}
	m.Start(t0, nil)
	for _, cmd := range []string{protocol.CmdVerack, protocol.CmdPing, protocol.CmdTx, protocol.CmdGetData, protocol.CmdWtxidRelay, "junk"} {
		if d, disc := admitted(m, cmd); d || disc {
			t.Fatalf("%s before version: decode %v, disconnect %v", cmd, d, disc)
		}
	}
	if d, _ := admitted(m, protocol.CmdVersion); !d {
		t.Fatal("version not decoded")
	}
}

func TestAdmitBeforeVerackOnlyNegotiation(t *testing.T) {
	m := machineWith(protocol.SFNodeNetwork, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	for cmd, want := range map[string]bool{
		protocol.CmdVersion: false, protocol.CmdVerack: true, protocol.CmdSendHeaders: true,
		protocol.CmdSendCmpct: true, protocol.CmdWtxidRelay: true, protocol.CmdSendAddrV2: true,
		protocol.CmdPing: false, protocol.CmdGetData: false, protocol.CmdTx: false, protocol.CmdMempool: false,
		protocol.CmdFilterLoad: false, "junk": false,
	} {
		if d, disc := admitted(m, cmd); d != want || disc {
			t.Fatalf("%s before verack: decode %v (want %v), disconnect %v", cmd, d, want, disc)
		}
	}
}

func TestAdmitAfterVerack(t *testing.T) {
	h := handled{protocol.CmdGetData: true, protocol.CmdAddr: true, "junk": true}
	m := machineWith(protocol.SFNodeNetwork, h)
	handshake(t, m)
	for cmd, want := range map[string]bool{
		protocol.CmdVersion: false, protocol.CmdVerack: false,
		protocol.CmdPing: true, protocol.CmdPong: true, protocol.CmdFeeFilter: true,
		protocol.CmdSendHeaders: true, protocol.CmdSendCmpct: true,
		protocol.CmdGetData: true, protocol.CmdAddr: true,
		// Nobody processes these: never decoded.
		protocol.CmdTx: false, protocol.CmdBlock: false, protocol.CmdNotFound: false, protocol.CmdInv: false,
		// Unknown to the protocol, even with a handler: never copied.
		"junk": false,
	} {
		if d, disc := admitted(m, cmd); d != want || disc {
			t.Fatalf("%s: decode %v (want %v), disconnect %v", cmd, d, want, disc)
		}
	}
}

// A cmpctblock is read only from a remote that sent sendcmpct of version 2
// (Core's m_provides_cmpctblocks, never unset); from any other it is
// ignored unparsed, as Core's cmpctblock handler returns before reading it.
func TestAdmitCmpctBlockOnlyAfterSendCmpct2(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sends []*protocol.MsgSendCmpct // after verack
		want  bool
	}{
		{name: "no sendcmpct"},
		{name: "version 1", sends: []*protocol.MsgSendCmpct{{Announce: true, Version: 1}}},
		{name: "version 3", sends: []*protocol.MsgSendCmpct{{Version: 3}}},
		{name: "version 2", sends: []*protocol.MsgSendCmpct{{Version: 2}}, want: true},
		{name: "version 2 high bandwidth", sends: []*protocol.MsgSendCmpct{{Announce: true, Version: 2}}, want: true},
		{name: "version 2, then 1: never unset", sends: []*protocol.MsgSendCmpct{{Version: 2}, {Version: 1}}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machineWith(protocol.SFNodeNetwork, handled{protocol.CmdCmpctBlock: true})
			handshake(t, m)
			for _, msg := range tc.sends {
				m.Received(t0, msg, nil)
			}
			if d, disc := admitted(m, protocol.CmdCmpctBlock); d != tc.want || disc {
				t.Fatalf("cmpctblock: decode %v (want %v), disconnect %v", d, tc.want, disc)
			}
			if got := m.Status(t0).ProvidesCmpct; got != tc.want {
				t.Fatalf("ProvidesCmpct %v, want %v", got, tc.want)
			}
		})
	}
	// A sendcmpct of version 2 before verack counts too.
	m := machineWith(protocol.SFNodeNetwork, handled{protocol.CmdCmpctBlock: true})
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	m.Received(t0, &protocol.MsgSendCmpct{Version: 2}, nil)
	if d, _ := admitted(m, protocol.CmdCmpctBlock); d {
		t.Fatal("cmpctblock decoded before verack")
	}
	m.Received(t0, &protocol.MsgVerack{}, nil)
	if d, _ := admitted(m, protocol.CmdCmpctBlock); !d {
		t.Fatal("cmpctblock after a sendcmpct 2 sent before verack not decoded")
	}
}

func TestAdmitWithoutHandlersDecodesKnownCommands(t *testing.T) {
	m := machineWith(protocol.SFNodeNetwork, nil)
	handshake(t, m)
	if d, _ := admitted(m, protocol.CmdTx); !d {
		t.Fatal("tx not decoded without a Handlers")
	}
	if d, _ := admitted(m, "junk"); d {
		t.Fatal("unknown command decoded")
	}
}

func TestNegotiationAfterVerackDisconnectsUnparsed(t *testing.T) {
	for _, cmd := range []string{protocol.CmdWtxidRelay, protocol.CmdSendAddrV2} {
		m := machineWith(protocol.SFNodeNetwork, nil)
		handshake(t, m)
		decode, out := m.Admit(cmd, nil)
		if decode {
			t.Fatalf("%s decoded", cmd)
		}
		wantDisconnect(t, out, ProtocolViolation)
	}
}

// Core disconnects a peer that asks for a service we do not announce.
func TestServiceNotOfferedDisconnects(t *testing.T) {
	bloom := []string{protocol.CmdFilterLoad, protocol.CmdFilterAdd, protocol.CmdFilterClear, protocol.CmdMempool}
	filters := []string{protocol.CmdGetCFilters, protocol.CmdGetCFHeaders, protocol.CmdGetCFCheckpt}
	everything := handled{}
	for _, c := range append(append([]string{}, bloom...), filters...) {
		everything[c] = true
	}
	t.Run("bloom, refused before decoding", func(t *testing.T) {
		for _, cmd := range bloom {
			m := machineWith(protocol.SFNodeNetwork, everything)
			handshake(t, m)
			decode, out := m.Admit(cmd, nil)
			if decode {
				t.Fatalf("%s decoded", cmd)
			}
			wantDisconnect(t, out, ServiceNotOffered)
		}
	})
	t.Run("bloom, offered", func(t *testing.T) {
		for _, cmd := range bloom {
			m := machineWith(protocol.SFNodeNetwork|protocol.SFNodeBloom, everything)
			handshake(t, m)
			if d, disc := admitted(m, cmd); !d || disc {
				t.Fatalf("%s with NODE_BLOOM: decode %v, disconnect %v", cmd, d, disc)
			}
		}
	})
	t.Run("compact filters, refused once read", func(t *testing.T) {
		msgs := []protocol.Message{&protocol.MsgGetCFilters{}, &protocol.MsgGetCFHeaders{}, &protocol.MsgGetCFCheckpt{}}
		for _, msg := range msgs {
			m := machineWith(protocol.SFNodeNetwork, nil) // no handler either
			handshake(t, m)
			if d, disc := admitted(m, msg.Command()); !d || disc {
				t.Fatalf("%s: decode %v, disconnect %v", msg.Command(), d, disc)
			}
			wantDisconnect(t, m.Received(t0.Add(time.Minute), msg, nil), ServiceNotOffered)
		}
	})
	t.Run("compact filters, offered", func(t *testing.T) {
		m := machineWith(protocol.SFNodeNetwork|protocol.SFNodeCompactFilters, everything)
		handshake(t, m)
		out := m.Received(t0.Add(time.Minute), &protocol.MsgGetCFilters{}, nil)
		if o, ok := find(out, Forward); !ok || o.Msg.Command() != protocol.CmdGetCFilters {
			t.Fatalf("outputs %+v, want a forward", out)
		}
	})
	t.Run("typed message without NODE_BLOOM", func(t *testing.T) {
		m := machineWith(protocol.SFNodeNetwork, nil)
		handshake(t, m)
		wantDisconnect(t, m.Received(t0.Add(time.Minute), &protocol.MsgMempool{}, nil), ServiceNotOffered)
	})
}

func TestNotFoundOverLimitIgnored(t *testing.T) {
	m := machineWith(protocol.SFNodeNetwork, nil)
	handshake(t, m)
	now := t0.Add(time.Minute)
	long := &protocol.MsgNotFound{InvList: make([]protocol.InvVect, MaxNotFoundProcessed+1)}
	wantNothing(t, m.Received(now, long, nil))
	short := &protocol.MsgNotFound{InvList: make([]protocol.InvVect, MaxNotFoundProcessed)}
	if _, ok := find(m.Received(now, short, nil), Forward); !ok {
		t.Fatal("notfound within the limit not forwarded")
	}
	tooMany := fmt.Errorf("decode notfound: %w", protocol.ErrTooMany)
	wantNothing(t, m.DecodeFailed(protocol.CmdNotFound, tooMany, nil))
	if m.Phase() != PhaseReady {
		t.Fatal("closed by a long notfound")
	}
}

func TestDecodeFailed(t *testing.T) {
	tooMany := fmt.Errorf("decode: %w", protocol.ErrTooMany)
	short := fmt.Errorf("decode: %w", protocol.ErrShortInput)

	m := machineWith(protocol.SFNodeNetwork, nil)
	m.Start(t0, nil)
	wantDisconnect(t, m.DecodeFailed(protocol.CmdVersion, short, nil), ProtocolViolation)

	m = machineWith(protocol.SFNodeNetwork, nil)
	handshake(t, m)
	wantNothing(t, m.DecodeFailed(protocol.CmdVersion, short, nil))
	wantNothing(t, m.DecodeFailed(protocol.CmdGetData, short, nil))
	wantDisconnect(t, m.DecodeFailed(protocol.CmdGetHeaders, tooMany, nil), ProtocolViolation)
	wantNothing(t, m.DecodeFailed(protocol.CmdGetHeaders, tooMany, nil)) // closed: once

	m = machineWith(protocol.SFNodeNetwork, nil)
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	wantNothing(t, m.DecodeFailed(protocol.CmdAddr, tooMany, nil)) // not ready: dropped
}

// An inv nobody here processes is still misbehaviour past 50,000 entries,
// as Core reads it before it looks at it; the count alone is read.
func TestIgnoredListOverLimitDisconnects(t *testing.T) {
	list := func(n uint64, entry int) []byte {
		return append(protocol.AppendCompactSize(nil, n), make([]byte, int(n)*entry)...)
	}
	m := machineWith(protocol.SFNodeNetwork, handled{})
	m.Start(t0, nil)
	m.Received(t0, remoteVersion(70016, 42), nil)
	wantNothing(t, m.Ignored(protocol.CmdInv, list(protocol.MaxInvPerMsg+1, protocol.InvVectSize), nil)) // not ready

	for _, c := range []struct {
		cmd   string
		limit uint64
		entry int
	}{
		{protocol.CmdInv, protocol.MaxInvPerMsg, protocol.InvVectSize},
		{protocol.CmdGetData, protocol.MaxInvPerMsg, protocol.InvVectSize},
		{protocol.CmdAddr, protocol.MaxAddrPerMsg, 30},
		{protocol.CmdAddrV2, protocol.MaxAddrPerMsg, 9},
		{protocol.CmdHeaders, protocol.MaxHeadersPerMsg, 81},
	} {
		m := machineWith(protocol.SFNodeNetwork, handled{})
		handshake(t, m)
		if d, _ := admitted(m, c.cmd); d {
			t.Fatalf("%s decoded without a handler", c.cmd)
		}
		wantNothing(t, m.Ignored(c.cmd, list(c.limit, c.entry), nil))
		if c.entry > 0 && c.cmd != protocol.CmdHeaders {
			// Too short for its count: Core's reader throws before the check.
			wantNothing(t, m.Ignored(c.cmd, list(c.limit+1, c.entry)[:100], nil))
		}
		wantDisconnect(t, m.Ignored(c.cmd, list(c.limit+1, c.entry), nil), TooManyEntries)
	}
	m = machineWith(protocol.SFNodeNetwork, handled{})
	handshake(t, m)
	wantNothing(t, m.Ignored(protocol.CmdTx, list(protocol.MaxInvPerMsg+1, 1), nil))
	// headers: Core checks the count before it reads a header.
	wantDisconnect(t, m.Ignored(protocol.CmdHeaders, protocol.AppendCompactSize(nil, protocol.MaxHeadersPerMsg+1), nil), TooManyEntries)
}
