package addrbook

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/actornode/actornode/protocol"
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
// port. It runs on a goroutine of its own; ctx ends it early.
func lookupSeeds(ctx context.Context, r *net.Resolver, names []string, port uint16) seedResult {
	var res seedResult
	for _, name := range names {
		if ctx.Err() != nil {
			res.errs = append(res.errs, fmt.Errorf("seed %s: %w", name, ctx.Err()))
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, seedLookupTimeout)
		ips, err := r.LookupNetIP(lctx, "ip", name)
		cancel()
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

var (
	// errSeedPanic reports a panic in the seeding goroutine.
	errSeedPanic = errors.New("seed lookup panicked")
	// errNoAnswer: a round ended with no address and no error.
	errNoAnswer = errors.New("no seed answered")
)

// seedSource is the source recorded for addresses from seed name: like
// Core, an address in the internal range fd6b:88c0:8724::/48 made from a
// hash of the name, so addresses from one seed share a source.
func seedSource(name string) netip.Addr {
	h := sha256.Sum256([]byte(name))
	var b [16]byte
	copy(b[:6], []byte{0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24})
	copy(b[6:], h[:10])
	return netip.AddrFrom16(b)
}
