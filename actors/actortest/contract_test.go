package actortest_test

import (
	"net/netip"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/transport"
	"github.com/actornode/actornode/transport/iotest"
)

// TestContract runs the io contract of package transport against the
// in-memory network: a fresh network per test, one node on 127.0.0.1.
func TestContract(t *testing.T) {
	iotest.Run(t, func(t *testing.T, cfg transport.Config) *actor.Props {
		net := actortest.NewNetwork(cfg.Magic,
			actortest.WithRecvLimit(cfg.RecvLimit), actortest.WithSendLimit(cfg.SendLimit),
			actortest.WithSendTimeout(cfg.SendTimeout))
		return net.Props(netip.MustParseAddr("127.0.0.1"))
	})
}
