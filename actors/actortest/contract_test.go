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
	newIO := func(t *testing.T, cfg transport.Config) *actor.Props {
		opts := []actortest.NetworkOption{actortest.WithRecvLimit(cfg.RecvLimit), actortest.WithSendLimit(cfg.SendLimit),
			actortest.WithSendTimeout(cfg.SendTimeout)}
		if cfg.V2 {
			opts = append(opts, actortest.WithV2())
		}
		return actortest.NewNetwork(cfg.Magic, opts...).Props(netip.MustParseAddr("127.0.0.1"))
	}
	iotest.Run(t, newIO)
	iotest.RunV2(t, newIO)
}
