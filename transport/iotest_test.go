package transport_test

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/transport"
	"github.com/actornode/actornode/transport/iotest"
)

// TestContract runs the io contract against this build's io actor (the
// epoll loop on Linux, the portable one elsewhere or with the
// transport_portable tag) and against the portable one.
func TestContract(t *testing.T) {
	t.Run("Props", func(t *testing.T) {
		iotest.Run(t, func(t *testing.T, cfg transport.Config) *actor.Props {
			cfg.Logger = zaptest.NewLogger(t)
			return transport.Props(cfg)
		})
		if transport.SpeaksV2 {
			iotest.RunV2(t, func(t *testing.T, cfg transport.Config) *actor.Props {
				cfg.Logger = zaptest.NewLogger(t)
				return transport.Props(cfg)
			})
		}
	})
	t.Run("PortableProps", func(t *testing.T) {
		iotest.Run(t, func(t *testing.T, cfg transport.Config) *actor.Props {
			cfg.Logger = zaptest.NewLogger(t)
			return transport.PortableProps(cfg)
		})
		iotest.RunV2(t, func(t *testing.T, cfg transport.Config) *actor.Props {
			cfg.Logger = zaptest.NewLogger(t)
			return transport.PortableProps(cfg)
		})
	})
}
