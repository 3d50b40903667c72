package addrbook

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
)

// serveSeed runs a DNS server on loopback that answers A and AAAA queries
// for name with v4 and v6, and NXDOMAIN for anything else. It returns the
// server's address.
func serveSeed(t *testing.T, name string, v4, v6 []string) string {
	t.Helper()
	return serveSeeds(t, []string{name}, v4, v6)
}

// serveSeeds is serveSeed answering for several names.
func serveSeeds(t *testing.T, names []string, v4, v6 []string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(q.Name, n) }) {
				m.Rcode = dns.RcodeNameError
				continue
			}
			hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 60}
			switch q.Qtype {
			case dns.TypeA:
				for _, ip := range v4 {
					hdr.Rrtype = dns.TypeA
					m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(ip)})
				}
			case dns.TypeAAAA:
				for _, ip := range v6 {
					hdr.Rrtype = dns.TypeAAAA
					m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(ip)})
				}
			}
		}
		_ = w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("dns server: %v", err)
	case <-time.After(wait):
		t.Fatal("dns server did not start")
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return pc.LocalAddr().String()
}

// TestDNSSeeding resolves a seed on a real DNS server on loopback: first
// the name with the service-bit prefix (x9.), as Core asks, then, when the
// seed does not know that, the bare name.
func TestDNSSeeding(t *testing.T) {
	const seed = "seed.actornode.test."
	for _, served := range []string{"x9." + seed, seed} {
		t.Run(served, func(t *testing.T) {
			server := serveSeed(t, served, []string{"1.2.3.4", "5.6.7.8", "10.0.0.1"}, []string{"2a01:4f8::1"})
			testDNSSeeding(t, seed, server)
		})
	}
}

func testDNSSeeding(t *testing.T, seed, server string) {
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	book := spawnBook(t, system, Config{DNSSeed: true, DNSSeeds: []string{seed}, Resolver: server})
	want := []netip.AddrPort{
		netip.MustParseAddrPort("1.2.3.4:8333"),
		netip.MustParseAddrPort("5.6.7.8:8333"),
		netip.MustParseAddrPort("[2a01:4f8::1]:8333"),
	}
	deadline := time.Now().Add(wait)
	for {
		got := snapshot(t, system, book, p)
		complete := len(got) == len(want)
		for _, w := range want {
			if e, ok := got[w]; !ok || e.Source != seedSource(seed) {
				complete = false
			}
		}
		if complete {
			return // the private 10.0.0.1 was skipped
		}
		if time.Now().After(deadline) {
			t.Fatalf("book = %v, want %v from the seed", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closedUDPPort returns a loopback address nothing listens on.
func closedUDPPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestDNSSeedsUnreachableRetriesWithBackoff(t *testing.T) {
	server := closedUDPPort(t)
	// Initialise the resolver's process-wide state outside the bubble.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, _ = newResolver(server).LookupNetIP(ctx, "ip", "warmup.actornode.test.")
	cancel()

	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.DebugLevel)
		system := newSystem(t)
		book := system.Root.Spawn(Props(Config{
			Network:  mustNetwork(t, "mainnet"),
			DNSSeed:  true,
			DNSSeeds: []string{"seed.actornode.test."},
			Resolver: server,
			Logger:   zap.New(core),
		}))
		// Rounds start at 0 s, then after 10, 20, 40, 80 s (at 10, 30, 70,
		// 150 s); the sixth would be at 310 s.
		time.Sleep(5 * time.Minute)
		rounds := logs.FilterMessage("resolving DNS seeds").Len()
		warned := logs.FilterMessage("DNS seeds unreachable")
		if err := system.Root.StopFuture(book).Wait(); err != nil {
			t.Fatal(err)
		}
		// Let protoactor's dead-letter throttle (1 s) end inside the bubble.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if rounds != 5 {
			t.Errorf("%d seeding rounds in 5 minutes, want 5 (10 s doubling)", rounds)
		}
		if warned.Len() != 1 || warned.All()[0].Level != zapcore.WarnLevel {
			t.Fatalf("\"DNS seeds unreachable\" logged %d times, want once at Warn", warned.Len())
		}
		if _, ok := warned.All()[0].ContextMap()["error"]; !ok {
			t.Errorf("warning lacks the error: %v", warned.All()[0].ContextMap())
		}
	})
}
