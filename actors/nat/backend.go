package nat

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/actornode/actornode/transport/natpmp"
	"github.com/actornode/actornode/transport/pcp"
	"github.com/actornode/actornode/transport/portmap"
	"github.com/actornode/actornode/transport/upnp"
)

// Backend maps our port with one protocol. The actor calls it from
// goroutines of its own, one call at a time, each bounded by ctx.
type Backend interface {
	// Map asks for a mapping of our TCP port internal, suggesting external
	// port suggest, for lifetime; renewing is the same call.
	Map(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error)
	// Unmap deletes m.
	Unmap(ctx context.Context, m portmap.Mapping) error
}

// gatewayFunc finds the gateway to ask: the configured one, else the
// default route's.
type gatewayFunc func() (netip.Addr, error)

func fixedOrDefault(fixed netip.Addr) gatewayFunc {
	return func() (netip.Addr, error) {
		if fixed.IsValid() {
			return fixed, nil
		}
		return portmap.DefaultGateway()
	}
}

// pcpBackend keeps one client (and so one mapping nonce) per gateway.
type pcpBackend struct {
	gateway gatewayFunc
	timeout time.Duration
	client  *pcp.Client
}

func (b *pcpBackend) clientFor() (*pcp.Client, error) {
	gw, err := b.gateway()
	if err != nil {
		return nil, err
	}
	server := netip.AddrPortFrom(gw, pcp.Port)
	if b.client == nil || b.client.Server() != server {
		if b.client, err = pcp.New(server, b.timeout); err != nil {
			return nil, err
		}
	}
	return b.client, nil
}

func (b *pcpBackend) Map(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	c, err := b.clientFor()
	if err != nil {
		return portmap.Mapping{}, err
	}
	return c.MapTCP(ctx, internal, netip.AddrPortFrom(netip.Addr{}, suggest), lifetime)
}

func (b *pcpBackend) Unmap(ctx context.Context, m portmap.Mapping) error {
	c, err := b.clientFor()
	if err != nil {
		return err
	}
	return c.DeleteTCP(ctx, m.InternalPort)
}

type natpmpBackend struct {
	gateway gatewayFunc
	timeout time.Duration
}

func (b *natpmpBackend) Map(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	gw, err := b.gateway()
	if err != nil {
		return portmap.Mapping{}, err
	}
	return natpmp.New(gw, b.timeout).MapTCP(ctx, internal, suggest, lifetime)
}

func (b *natpmpBackend) Unmap(ctx context.Context, m portmap.Mapping) error {
	return natpmp.New(m.Gateway, b.timeout).DeleteTCP(ctx, m.InternalPort)
}

// upnpBackend discovers a gateway on first use, and again after a failure
// that suggests it has gone.
type upnpBackend struct {
	prefer netip.Addr
	client *upnp.Client
}

func (b *upnpBackend) Map(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	if b.client == nil {
		c, err := upnp.Discover(ctx, b.prefer)
		if err != nil {
			return portmap.Mapping{}, err
		}
		b.client = c
	}
	m, err := b.client.MapTCP(ctx, internal, suggest, lifetime)
	if errors.Is(err, portmap.ErrTimeout) {
		b.client = nil // rediscover next time
	}
	return m, err
}

func (b *upnpBackend) Unmap(ctx context.Context, m portmap.Mapping) error {
	if b.client == nil {
		return fmt.Errorf("upnp delete: %w: gateway not discovered", portmap.ErrNoGateway)
	}
	return b.client.DeleteTCP(ctx, m.External.Port())
}
