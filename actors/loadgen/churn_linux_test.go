//go:build linux

package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/transport"
)

// Environment of the re-executed test process that makes the churn of
// TestAcceptChurnKeepsDescriptorsBounded: its own process, so that the
// node's process counts only the node's descriptors.
const (
	churnTargetEnv = "LOADGEN_CHURN_TARGET" // the node's address
	churnConnsEnv  = "LOADGEN_CHURN_CONNS"  // connections to open in all
)

// Shape of the churn.
const (
	churnConns   = 20_000           // connections opened in all
	churnWorkers = 32               // dialling at once
	churnHold    = 4                // connections each worker keeps open, closing the oldest for a new one
	churnSources = 1024             // source addresses 127.j.k.1, each in a /24 of its own
	churnTime    = 90 * time.Second // the churn stops after this, done or not
	churnMaxConn = 16               // the node's -maxconnections
	// churnSlack is what the node's process may open besides its
	// connections while the churn runs: the listener's backlog never
	// reaches us (io stops accepting at its caps), so little more than the
	// sampler's own directory handle.
	churnSlack = 8
)

// TestAcceptChurnKeepsDescriptorsBounded: a child process opens 20,000
// connections to a node with -maxconnections=16 from 1024 loopback /24s,
// 32 at a time, each keeping its last 4 open, as fast as it can. The node
// decides on each in connmgr (admit, evict, refuse), and io holds at most
// the caps connmgr gave it: the descriptors of the node's process, sampled
// from /proc/self/fd throughout, stay within maxconnections plus
// connmgr.DefaultMaxUndecided plus a small constant over what the process
// held before. After the churn a legitimate peer completes its handshake.
func TestAcceptChurnKeepsDescriptorsBounded(t *testing.T) {
	if target := os.Getenv(churnTargetEnv); target != "" {
		churnChild(t, target)
		return
	}
	if testing.Short() {
		t.Skip("opens 20,000 connections")
	}
	n, target := startQuietNode(t, churnMaxConn)
	base := openFDs(t)

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), churnTime+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestAcceptChurnKeepsDescriptorsBounded$", "-test.v")
	cmd.Env = append(os.Environ(), churnTargetEnv+"="+target.Addr.String(),
		churnConnsEnv+"="+strconv.Itoa(churnConns))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr

	// Sample the process's descriptors until the child is done.
	var peak atomic.Int64
	peak.Store(int64(base))
	done := make(chan struct{})
	var wg sync.WaitGroup
	samples := 0
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if fds := openFDs(t); int64(fds) > peak.Load() {
				peak.Store(int64(fds))
			}
			samples++
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	start := time.Now()
	runErr := cmd.Run()
	close(done)
	wg.Wait()
	elapsed := time.Since(start)
	if runErr != nil {
		t.Fatalf("churn: %v\n%s%s", runErr, out.String(), stderr.String())
	}
	var report string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if r, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "CHURN "); ok {
			report = r
		}
	}
	s := ioStats(t, n)
	limit := base + churnMaxConn + connmgr.DefaultMaxUndecided + churnSlack
	t.Logf("churn: %s in %v; node descriptors: %d before, peak %d over %d samples (bound %d = %d + maxconnections %d + undecided %d + %d); io accepted %d, inbound now %d",
		report, elapsed.Round(time.Millisecond), base, peak.Load(), samples, limit, base, churnMaxConn,
		connmgr.DefaultMaxUndecided, churnSlack, s.Accepted, s.Inbound)
	if report == "" {
		t.Fatalf("the churn reported nothing:\n%s%s", out.String(), stderr.String())
	}
	if int(peak.Load()) > limit {
		t.Fatalf("the node's process held %d descriptors at peak, %d before the churn: more than maxconnections %d + %d undecided + %d",
			peak.Load(), base, churnMaxConn, connmgr.DefaultMaxUndecided, churnSlack)
	}

	// Once the churn's connections are gone, a real peer gets in.
	waitIO(t, n, "the churn's connections closed", func(s *transport.Stats) bool { return s.Inbound == 0 })
	c, err := Dial(Target{Addr: target.Addr, Magic: target.Magic, Sources: 1}, 0)
	if err != nil {
		t.Fatalf("a peer after the churn: %v", err)
	}
	defer c.Close()
	roundTrips(t, c, 3)
	eventually(t, "the peer in connmgr's table, handshaken", func() bool {
		for _, p := range peers(t, n) {
			if p.Inbound && p.Handshaken {
				return true
			}
		}
		return false
	})
}

// openFDs counts the process's open descriptors (the directory handle
// reading them included).
func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Error(err)
		return 0
	}
	return len(ents)
}

// churnChild is the child process: it opens the connections and prints
// "CHURN ..." with what it did.
func churnChild(t *testing.T, target string) {
	addr, err := netip.ParseAddrPort(target)
	if err != nil {
		t.Fatal(err)
	}
	total, err := strconv.Atoi(os.Getenv(churnConnsEnv))
	if err != nil {
		t.Fatal(err)
	}
	tgt := Target{Addr: addr, Sources: churnSources}
	deadline := time.Now().Add(churnTime)
	var next, opened, failed atomic.Int64
	var wg sync.WaitGroup
	for range churnWorkers {
		wg.Go(func() {
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: tgt.source(int(i)).AsSlice()}}
				c, err := d.Dial("tcp", addr.String())
				if err != nil {
					failed.Add(1)
					continue
				}
				opened.Add(1)
				held = append(held, c)
				if len(held) > churnHold {
					held[0].Close()
					held = held[1:]
				}
			}
		})
	}
	wg.Wait()
	fmt.Printf("CHURN %d connections opened, %d failed, %d workers holding %d each, from %d /24s\n",
		opened.Load(), failed.Load(), churnWorkers, churnHold, churnSources)
}
