package machine_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
)

// pings returns the nonces of the pings among out.
func pings(out []machine.Output) []uint64 {
	var nonces []uint64
	for _, o := range out {
		if p, ok := o.Msg.(*protocol.MsgPing); ok && o.Kind == machine.Send {
			nonces = append(nonces, p.Nonce)
		}
	}
	return nonces
}

func TestQueuePingSendsAheadOfTheIntervalOnlyWhenNoneIsOutstanding(t *testing.T) {
	nonce := uint64(0)
	m := machine.New(machine.Config{
		Remote:   netip.MustParseAddrPort("127.0.0.1:18444"),
		Settings: machine.Settings{Rand: func() uint64 { nonce++; return nonce }},
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := pings(m.QueuePing(now, nil)); len(got) != 0 {
		t.Fatalf("ping before the handshake: %v", got)
	}
	m.Start(now, nil)
	m.Received(now, &protocol.MsgVersion{ProtocolVersion: 70016, Nonce: 99}, nil)
	first := pings(m.Received(now, &protocol.MsgVerack{}, nil))
	if len(first) != 1 {
		t.Fatalf("handshake pings: %v", first)
	}
	if got := pings(m.QueuePing(now.Add(time.Second), nil)); len(got) != 0 {
		t.Fatalf("ping while one is outstanding: %v", got)
	}
	m.Received(now.Add(2*time.Second), &protocol.MsgPong{Nonce: first[0]}, nil)
	out := m.QueuePing(now.Add(3*time.Second), nil)
	if got := pings(out); len(got) != 1 || got[0] == first[0] {
		t.Fatalf("queued ping after the pong: %v", got)
	}
	if st := m.Status(now.Add(4 * time.Second)); st.PingWait != time.Second {
		t.Fatalf("ping wait = %v, want 1s (the queued ping is outstanding)", st.PingWait)
	}
}
