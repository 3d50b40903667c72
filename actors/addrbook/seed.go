package addrbook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// Seeding intervals.
const (
	// seedDelay: with addresses already in the book, seeding waits this long
	// for outbound connections first (Core's 11 seconds).
	seedDelay = 11 * time.Second
	// seedOutboundEnough: this many handshaken outbound peers at the end of
	// seedDelay make seeding unnecessary (Core: two relevant peers).
	seedOutboundEnough = 2
	// seedRetryMin and seedRetryMax bound the wait between seeding rounds
	// that found nothing; it doubles each round.
	seedRetryMin = 10 * time.Second
	seedRetryMax = 10 * time.Minute
	// seedLookupTimeout bounds the lookup of one seed name.
	seedLookupTimeout = 30 * time.Second
	// seedServices are the services assumed for seeded addresses: seeds
	// return nodes with at least NETWORK and WITNESS (Core's default x9).
	seedServices = protocol.SFNodeNetwork | protocol.SFNodeWitness
)

// seedResult is what one seeding round found, posted to the actor by the
// goroutine that resolved the names.
type seedResult struct {
	// found holds the addresses per seed name that answered.
	found []seedAnswer
	// errs holds one error per seed name that failed.
	errs []error
}

type seedAnswer struct {
	name  string
	addrs []netip.AddrPort
}

// seedNow asks the actor to run a seeding round (timer).
type seedNow struct{}

// seedCheck asks the actor whether seeding is still needed, seedDelay after
// start (timer).
type seedCheck struct{}

// newResolver returns the resolver seeding uses: Go's own, talking to server
// ("host:port") when it is set, else to the system's servers.
func newResolver(server string) *net.Resolver {
	r := &net.Resolver{PreferGo: true}
	if server != "" {
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}
	}
	return r
}

// lookupSeeds resolves every name (A and AAAA) and pairs each address with
// port. Like Core it asks for nodes with our desired services first, with
// the service-bit prefix seeds understand ("x9.<name>"), and falls back to
// the bare name. It runs on a goroutine of its own; ctx ends it early.
func lookupSeeds(ctx context.Context, r *net.Resolver, names []string, port uint16) seedResult {
	var res seedResult
	for _, name := range names {
		if ctx.Err() != nil {
			res.errs = append(res.errs, fmt.Errorf("seed %s: %w", name, ctx.Err()))
			continue
		}
		ips, err := lookupSeed(ctx, r, fmt.Sprintf("x%x.%s", uint64(seedServices), name))
		if err != nil || len(ips) == 0 {
			ips, err = lookupSeed(ctx, r, name)
		}
		if err != nil {
			res.errs = append(res.errs, fmt.Errorf("seed %s: %w", name, err))
			continue
		}
		ans := seedAnswer{name: name}
		for _, ip := range ips {
			ans.addrs = append(ans.addrs, netip.AddrPortFrom(ip.Unmap(), port))
		}
		if len(ans.addrs) == 0 {
			res.errs = append(res.errs, fmt.Errorf("seed %s: no addresses", name))
			continue
		}
		res.found = append(res.found, ans)
	}
	return res
}

// lookupSeed resolves one host name, within seedLookupTimeout.
func lookupSeed(ctx context.Context, r *net.Resolver, host string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(ctx, seedLookupTimeout)
	defer cancel()
	return r.LookupNetIP(ctx, "ip", host)
}

var (
	// errSeedPanic reports a panic in the seeding goroutine.
	errSeedPanic = errors.New("seed lookup panicked")
	// errNoAnswer: a round ended with no address and no error.
	errNoAnswer = errors.New("no seed answered")
)

// seedSource is the source recorded for addresses from seed name: like
// Core, the name's internal address (in fd6b:88c0:8724::/48, made from a
// hash of the name), so addresses from one seed share a source.
func seedSource(name string) netip.Addr {
	a, _ := netaddr.FromName(name)
	ip, _ := a.V1()
	return ip
}

// seedState names what seeding is doing, for Describe.
func (a *addrBook) seedState() string {
	switch {
	case !a.cfg.DNSSeed || len(a.seed.names) == 0:
		return "off"
	case a.seed.running:
		return "resolving"
	case a.seed.answered:
		return "done"
	case a.seed.rounds > 0:
		return "retrying"
	}
	return "waiting"
}

// seedCheck runs some time after start: seed unless enough outbound peers
// have connected meanwhile.
func (a *addrBook) seedCheck(ctx actor.Context) {
	if a.outbound >= seedOutboundEnough {
		a.log.Debug("skipping DNS seeding: enough outbound peers", zap.Int("outbound", a.outbound))
		return
	}
	a.startSeeding(ctx)
}

// seedNow runs a retry round, unless seeding is no longer needed.
func (a *addrBook) seedNow(ctx actor.Context) {
	if a.seed.answered || a.outbound > 0 {
		a.log.Debug("DNS seeding no longer needed", zap.Int("outbound", a.outbound))
		return
	}
	a.startSeeding(ctx)
}

// startSeeding resolves the seed names on a goroutine of its own, which
// reports back with *seedResult.
func (a *addrBook) startSeeding(ctx actor.Context) {
	if a.seed.running || a.stopped {
		return
	}
	lctx, cancel := context.WithCancel(context.Background())
	a.seed.running, a.seed.cancel = true, cancel
	a.seed.rounds++
	root, self := ctx.ActorSystem().Root, ctx.Self()
	names, resolver, port := a.seed.names, a.seed.resolver, a.cfg.Network.DefaultPort
	a.log.Debug("resolving DNS seeds", zap.Strings("seeds", names), zap.Int("round", a.seed.rounds))
	go func() {
		var res seedResult
		defer func() {
			if p := recover(); p != nil {
				res = seedResult{errs: []error{fmt.Errorf("%w: %v", errSeedPanic, p)}}
			}
			root.Send(self, &res)
		}()
		res = lookupSeeds(lctx, resolver, names, port)
	}()
}

func (a *addrBook) seedDone(ctx actor.Context, res *seedResult) {
	a.seed.running = false
	if a.seed.cancel != nil {
		a.seed.cancel()
		a.seed.cancel = nil
	}
	now := a.now()
	added, answered := 0, 0
	for _, ans := range res.found {
		source := seedSource(ans.name)
		n := 0
		for _, ap := range ans.addrs {
			k := keyFromAddrPort(ap)
			if k.valid(a.allowLocal) && a.book.add(k, seedServices, now, source, 0, now, a.rng) {
				n++
			}
		}
		added += n
		answered++
		a.log.Debug("DNS seed answered", zap.String("seed", ans.name),
			zap.Int("addresses", len(ans.addrs)), zap.Int("new", n))
	}
	if answered > 0 {
		a.seed.answered = true
		a.log.Info("DNS seeding done", zap.Int("seeds_answered", answered),
			zap.Int("seeds_failed", len(res.errs)), zap.Int("new", added), zap.Int("known", a.book.len()))
		return
	}
	if a.cfg.FixedSeeds && !a.seed.fixed {
		a.addFixedSeeds()
	}
	if a.seed.retry == 0 {
		a.seed.retry = seedRetryMin
	} else {
		a.seed.retry = min(2*a.seed.retry, seedRetryMax)
	}
	err := errNoAnswer
	if len(res.errs) > 0 {
		err = res.errs[0]
	}
	if !a.seed.warned {
		a.seed.warned = true
		a.log.Warn("DNS seeds unreachable", zap.Error(err), zap.Int("seeds", len(a.seed.names)),
			zap.Duration("retry_in", a.seed.retry))
	} else {
		a.log.Debug("DNS seeds still unreachable", zap.Error(err), zap.Int("round", a.seed.rounds),
			zap.Duration("retry_in", a.seed.retry))
	}
	if !a.stopped {
		a.seed.timer = a.after(ctx, a.seed.retry, &seedNow{})
	}
}

// addFixedSeeds adds the network's built-in addresses (once).
func (a *addrBook) addFixedSeeds() {
	a.seed.fixed = true
	if len(a.cfg.Network.FixedSeeds) == 0 {
		return
	}
	now := a.now()
	added := 0
	for _, ap := range a.cfg.Network.FixedSeeds {
		k := keyFromAddrPort(ap)
		if k.valid(a.allowLocal) && a.book.add(k, seedServices, now, netip.Addr{}, 0, now, a.rng) {
			added++
		}
	}
	a.log.Info("adding fixed seeds", zap.Int("count", len(a.cfg.Network.FixedSeeds)), zap.Int("new", added))
}
