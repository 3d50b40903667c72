// Command loadgen measures a Bitcoin node on loopback and simulates large
// numbers of peers without sockets (package actors/loadgen).
//
//	loadgen table -node bin/actornode [-limitserver /tmp/p2pbin/limitserver] [-cpu 0] [-runs 3]
//	loadgen handshake -target 127.0.0.1:18444 -n 2000 -c 200
//	loadgen ping -target 127.0.0.1:18444 -n 10 -depth 16 -d 10s
//	loadgen idle -target 127.0.0.1:18444 -pid PID -n 10000 -hold 30s
//	loadgen sim -n 100000
//	loadgen headersync -node bin/actornode -n 1000000 [-profiles DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/actornode/actornode/actors/loadgen"
	"github.com/actornode/actornode/protocol"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: loadgen table|handshake|ping|idle|sim|headersync [flags]")
		return 2
	}
	fs := flag.NewFlagSet("loadgen "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "127.0.0.1:18444", "target host:port")
	network := fs.String("net", "regtest", "network of the target")
	n := fs.Int("n", 0, "connections (peers)")
	conc := fs.Int("c", 200, "concurrent dials")
	depth := fs.Int("depth", 1, "pings in flight per peer")
	dur := fs.Duration("d", 10*time.Second, "ping: measured time")
	hold := fs.Duration("hold", 30*time.Second, "idle: hold time")
	pid := fs.Int("pid", 0, "idle: target process id")
	nodeBin := fs.String("node", "bin/actornode", "table: actornode binary")
	limitBin := fs.String("limitserver", "", "table: p2pload's limitserver binary, measured beside the node")
	cpu := fs.String("cpu", "0", "table: taskset CPU list for the targets (empty: no pinning)")
	runs := fs.Int("runs", 3, "table: runs per figure and target (medians)")
	idleN := fs.Int("idle", 10_000, "table: peers of the idle figure")
	interval := fs.Duration("interval", 10*time.Second, "sim: ping interval of both sides")
	v2 := fs.Bool("v2", false, "handshake, ping, idle: speak BIP324's v2 transport")
	only := fs.String("only", "", "table: only the figures whose names contain this")
	port := fs.Uint("port", 18555, "table: the port targets listen on")
	plain := fs.Bool("plain", true, "headersync: sync with the network's minimum chain work")
	presync := fs.Bool("presync", true, "headersync: sync again with -minimumchainwork at half the chain, so the syncing node presyncs")
	profiles := fs.String("profiles", "", "headersync: directory for the syncing nodes' heap profiles (after a GC)")
	syncDir := fs.String("dir", "", "headersync: directory for the nodes' data and logs, kept (default: a temporary one, removed)")
	syncEnv := fs.String("syncenv", "", "headersync: KEY=VALUE,... added to the syncing node's environment (GOGC=50)")
	syncTimeout := fs.Duration("timeout", 30*time.Minute, "headersync: deadline of each sync")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	params, err := protocol.Network(*network)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	addr, err := netip.ParseAddrPort(*target)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	t := loadgen.Target{Addr: addr, Magic: params.Magic, V2: *v2}
	or := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	switch args[0] {
	case "table":
		rows, err := loadgen.Table(ctx, loadgen.TableConfig{
			NodeBin: *nodeBin, LimitServerBin: *limitBin, Runs: *runs, TargetCPU: *cpu,
			PingFor: *dur, IdlePeers: *idleN, IdleHold: *hold, Log: stderr, Only: *only, Port: uint16(*port),
		})
		loadgen.WriteTable(stdout, rows)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	case "handshake":
		r := loadgen.Handshake(ctx, t, or(*n, 2000), *conc)
		fmt.Fprintf(stdout, "handshake: %d up, %d failed %v: %.0f handshakes/s, p50 %v p99 %v\n",
			r.Up, r.Failed, r.Fails, r.PerSecond, r.P50, r.P99)
	case "ping":
		r, err := loadgen.Ping(ctx, t, or(*n, 1000), *depth, 2*time.Second, *dur)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "ping: %d peers x %d: %.0f pongs/s, rtt p50 %v p99 %v, dropped %d\n",
			r.Up, *depth, r.PerSecond, r.P50, r.P99, r.Dropped)
	case "idle":
		r, err := loadgen.Idle(ctx, t, *pid, or(*n, 10_000), *conc, *hold)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "idle: %d up, %d dropped: %.2f KiB RSS per peer, %.2f%% CPU while idle\n",
			r.Up, r.Dropped, r.RSSPerPeerKiB, r.CPUPercent)
	case "sim":
		r, err := loadgen.Sim(ctx, loadgen.SimConfig{Peers: or(*n, 100_000), PingInterval: *interval, Measure: *dur, Log: stderr})
		fmt.Fprintln(stdout, r)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	case "headersync":
		rs, err := loadgen.HeaderSync(ctx, loadgen.HeaderSyncConfig{
			NodeBin: *nodeBin, Headers: or(*n, 1_000_000), Plain: *plain, Presync: *presync,
			Timeout: *syncTimeout, ProfileDir: *profiles, Log: stderr, SyncEnv: splitList(*syncEnv), Dir: *syncDir,
		})
		for _, r := range rs {
			fmt.Fprintln(stdout, r)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	default:
		fmt.Fprintf(stderr, "loadgen: unknown command %q\n", args[0])
		return 2
	}
	return 0
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
