package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/actornode/actornode/protocol"
)

// TableConfig says how Table measures.
type TableConfig struct {
	// NodeBin is the actornode binary (required).
	NodeBin string
	// LimitServerBin is p2pload's limitserver; empty measures the node
	// alone.
	LimitServerBin string
	// Runs per figure and target; the table shows medians. Zero means 3.
	Runs int
	// TargetCPU pins each target with taskset -c (e.g. "0"); empty does
	// not pin. Pin the generator itself to another core.
	TargetCPU string
	// PingFor is how long a ping figure counts pongs. Zero means 10 s.
	PingFor time.Duration
	// IdlePeers and IdleHold shape the memory figure. Zero means 10,000
	// peers held 30 s.
	IdlePeers int
	IdleHold  time.Duration
	// Port is where targets listen. Zero means 18555.
	Port uint16
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Only, when not empty, keeps the figures whose names contain it.
	Only string
}

// Row is one figure of the table: the medians per target.
type Row struct {
	Figure string
	Unit   string
	// Node and Limit are the medians (Limit NaN-free: 0 when not measured).
	Node, Limit float64
	// HigherIsBetter orders the ratio: node/limit when true, limit/node
	// otherwise (memory: smaller is better, the ratio is shown as is).
	HigherIsBetter bool
	// Extra notes what else the runs saw (failures, p99).
	Extra string
}

// figure is one measurement against a running target.
type figure struct {
	name, unit string
	higher     bool
	// conns is the most connections it opens (the node's maxconnections).
	conns int
	// v2 runs it over BIP324's v2 transport (against the node only:
	// limitserver speaks v1).
	v2  bool
	run func(ctx context.Context, t Target, pid int) (float64, string, error)
}

func (c TableConfig) figures() []figure {
	pingFor := cmp0(c.PingFor, 10*time.Second)
	idlePeers := c.IdlePeers
	if idlePeers <= 0 {
		idlePeers = 10_000
	}
	idleHold := cmp0(c.IdleHold, 30*time.Second)
	return []figure{
		{name: "handshake -n 2000 -c 200", unit: "handshakes/s", higher: true, conns: 2000,
			run: func(ctx context.Context, t Target, _ int) (float64, string, error) {
				r := Handshake(ctx, t, 2000, 200)
				return r.PerSecond, fmt.Sprintf("failed %d", r.Failed), nil
			}},
		{name: "ping -n 1000 -depth 1", unit: "pongs/s", higher: true, conns: 1000,
			run: func(ctx context.Context, t Target, _ int) (float64, string, error) {
				r, err := Ping(ctx, t, 1000, 1, 2*time.Second, pingFor)
				return r.PerSecond, fmt.Sprintf("p99 %v", r.P99.Round(time.Microsecond)), err
			}},
		{name: "ping -n 10 -depth 16", unit: "pongs/s", higher: true, conns: 10,
			run: func(ctx context.Context, t Target, _ int) (float64, string, error) {
				r, err := Ping(ctx, t, 10, 16, 2*time.Second, pingFor)
				return r.PerSecond, fmt.Sprintf("p99 %v", r.P99.Round(time.Microsecond)), err
			}},
		// The same two over BIP324's v2 transport, to set beside v1.
		{name: "handshake -n 2000 -c 200 (v2)", unit: "handshakes/s", higher: true, conns: 2000, v2: true,
			run: func(ctx context.Context, t Target, _ int) (float64, string, error) {
				r := Handshake(ctx, t, 2000, 200)
				return r.PerSecond, fmt.Sprintf("failed %d", r.Failed), nil
			}},
		{name: "ping -n 10 -depth 16 (v2)", unit: "pongs/s", higher: true, conns: 10, v2: true,
			run: func(ctx context.Context, t Target, _ int) (float64, string, error) {
				r, err := Ping(ctx, t, 10, 16, 2*time.Second, pingFor)
				return r.PerSecond, fmt.Sprintf("p99 %v", r.P99.Round(time.Microsecond)), err
			}},
		{name: fmt.Sprintf("idle -n %d", idlePeers), unit: "KiB/peer", conns: idlePeers,
			run: func(ctx context.Context, t Target, pid int) (float64, string, error) {
				r, err := Idle(ctx, t, pid, idlePeers, 200, idleHold)
				return r.RSSPerPeerKiB, fmt.Sprintf("up %d dropped %d cpu %.1f%%", r.Up, r.Dropped, r.CPUPercent), err
			}},
	}
}

func cmp0(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Table measures every figure against a fresh target process per run,
// alternating node and limitserver, and returns the medians.
func Table(ctx context.Context, cfg TableConfig) ([]Row, error) {
	if cfg.NodeBin == "" {
		return nil, errors.New("table: no node binary")
	}
	runs := cfg.Runs
	if runs <= 0 {
		runs = 3
	}
	port := cfg.Port
	if port == 0 {
		port = 18555
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	params, err := protocol.Network("regtest")
	if err != nil {
		return nil, err
	}
	t := Target{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port), Magic: params.Magic}
	var rows []Row
	for _, f := range cfg.figures() {
		if cfg.Only != "" && !strings.Contains(f.name, cfg.Only) {
			continue
		}
		row := Row{Figure: f.name, Unit: f.unit, HigherIsBetter: f.higher}
		var nodeVals, limitVals []float64
		var notes []string
		for run := range runs {
			for _, which := range []string{"actornode", "limitserver"} {
				if which == "limitserver" && (cfg.LimitServerBin == "" || f.v2) {
					continue
				}
				if ctx.Err() != nil {
					return rows, ctx.Err()
				}
				ft := t
				ft.V2 = f.v2
				v, note, err := measureOnce(ctx, cfg, which, f, ft)
				if err != nil {
					return rows, fmt.Errorf("table: %s against %s, run %d: %w", f.name, which, run+1, err)
				}
				fmt.Fprintf(logw, "%s %s run %d: %.1f %s (%s)\n", f.name, which, run+1, v, f.unit, note)
				if which == "actornode" {
					nodeVals = append(nodeVals, v)
					notes = append(notes, note)
				} else {
					limitVals = append(limitVals, v)
				}
			}
		}
		row.Node, row.Limit = median(nodeVals), median(limitVals)
		row.Extra = strings.Join(notes, "; ")
		rows = append(rows, row)
	}
	return rows, nil
}

// measureOnce starts a fresh target, measures f and stops the target.
func measureOnce(ctx context.Context, cfg TableConfig, which string, f figure, t Target) (float64, string, error) {
	dir, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(dir)
	addr := t.Addr.String()
	var argv []string
	if which == "actornode" {
		argv = []string{cfg.NodeBin, "-regtest", "-bind=" + addr, "-dnsseed=0", "-fixedseeds=0",
			"-debugaddr=off", "-natpmp=0", "-upnp=0", "-datadir=" + dir,
			"-maxconnections=" + strconv.Itoa(f.conns+200)}
	} else {
		argv = []string{cfg.LimitServerBin, "-listen", addr, "-net", "regtest"}
	}
	if cfg.TargetCPU != "" {
		if ts, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{ts, "-c", cfg.TargetCPU}, argv...)
		}
	}
	logf, err := os.Create(dir + "/target.log")
	if err != nil {
		return 0, "", err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("start %s: %w", which, err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	if err := waitListening(ctx, addr, 15*time.Second); err != nil {
		return 0, "", fmt.Errorf("%s: %w", which, err)
	}
	return f.run(ctx, t, cmd.Process.Pid)
}

func waitListening(ctx context.Context, addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not listening on %s after %v", addr, d)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteTable formats rows as a Markdown table.
func WriteTable(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| figure | actornode | limitserver | ratio | notes (actornode runs) |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		ratio, limit := "-", "-"
		if r.Limit > 0 {
			limit = fmt.Sprintf("%.1f %s", r.Limit, r.Unit)
			ratio = fmt.Sprintf("%.2fx", r.Node/r.Limit)
		}
		fmt.Fprintf(w, "| %s | %.1f %s | %s | %s | %s |\n", r.Figure, r.Node, r.Unit, limit, ratio, r.Extra)
	}
}
