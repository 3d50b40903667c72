package node_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/nat"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// silentGateway is a PCP/NAT-PMP gateway on loopback that reads every
// request and answers none.
const silentGateway = "127.0.0.251"

// TestNodeDoesNotWaitOnASilentRouter: with -natpmp on and a router that
// never answers, the node starts, listens and completes a peer's
// handshake while its port mapping requests go unanswered; the mapping
// stays unmade and nothing else depends on it.
func TestNodeDoesNotWaitOnASilentRouter(t *testing.T) {
	gw, err := net.ListenPacket("udp", silentGateway+":5351")
	if err != nil {
		t.Skipf("cannot play the router on %s:5351: %v", silentGateway, err)
	}
	var requests atomic.Int64
	go func() {
		buf := make([]byte, 1100)
		for {
			if _, _, err := gw.ReadFrom(buf); err != nil {
				return // closed
			}
			requests.Add(1)
		}
	}()
	t.Cleanup(func() { gw.Close() })

	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.NATPMP = true
	cfg.NATPMPGateway = silentGateway
	a := nodetest.Start(t, cfg)
	other := nodetest.Regtest(t, "127.0.0.1:0")
	other.Connect = []string{nodetest.ListenAddr(t, a).String()}
	nodetest.Start(t, other)

	nodetest.Eventually(t, 15*time.Second, "a peer handshaken and the router asked", func() bool {
		return nodetest.HandshakenCount(t, a) == 1 && requests.Load() > 0
	})
	reply, err := inspect.Ask(a.System().Root, a.NAT(), func(to *actor.PID) any {
		return &nat.GetStatus{ReplyTo: to}
	}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st := reply.(*nat.Status)
	if st.State == "mapped" || st.External.IsValid() || len(st.Protocols) == 0 {
		t.Errorf("nat status %+v, want port mapping on and nothing mapped", st)
	}
}
