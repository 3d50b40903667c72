package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// HeaderSyncConfig says how HeaderSync measures.
type HeaderSyncConfig struct {
	// NodeBin is the actornode binary (required).
	NodeBin string
	// Headers is the length of the source's chain. Zero means 1,000,000.
	Headers int
	// Presync also syncs with -minimumchainwork on the syncing node set to
	// the work at half the chain's height, so that the first half is below
	// it: the syncing node presyncs (commitments, then a redownload)
	// before it stores a header.
	Presync bool
	// Plain syncs with the network's minimum chain work (none on regtest).
	Plain bool
	// Timeout bounds each sync (and the source's load). Zero means 30
	// minutes.
	Timeout time.Duration
	// Dir holds the nodes' data directories; "" means a temporary one,
	// removed at the end.
	Dir string
	// ProfileDir, when not empty, receives the syncing node's heap profile
	// (after a GC) at the end of each sync: heap-plain.pprof and
	// heap-presync.pprof.
	ProfileDir string
	// SyncEnv is added to the syncing node's environment (GOGC=50, say).
	SyncEnv []string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// HeaderSyncResult is what one sync measured. Byte counts are of the
// syncing node; PerHeader figures are over Headers.
type HeaderSyncResult struct {
	// Variant is "plain" or "presync"; MinimumChainWork is the
	// -minimumchainwork the syncing node ran with ("" for none).
	Variant          string
	MinimumChainWork string
	Headers          int
	// Connect is the time from the addnode request to the syncing node's
	// first getheaders to the source (its sync peer chosen; polled every
	// 10 ms). Wall is the time from then to its best header equal to the
	// source's tip (polled every sampleEvery); PerSecond is Headers over
	// it.
	Connect   time.Duration
	Wall      time.Duration
	PerSecond float64
	// BaseHeap and Heap are the Go heap the syncing node holds (live,
	// measured right after a GC the heap profile endpoint runs) before the
	// sync and at its end; HeapInuse is the heap's spans in use at the end.
	BaseHeap, Heap, HeapInuse int64
	// BaseHeapInuse is the heap's spans in use before the sync, after the
	// GC; the presync figures are over it.
	BaseHeapInuse int64
	// BaseRSS is the syncing node's resident memory before the sync; PeakRSS
	// its high-water mark (VmHWM) at the end.
	BaseRSS, PeakRSS int64
	// StoreBytes is the size of the syncing node's headers.dat.
	StoreBytes int64
	// PeakHeapInuse is the highest heap in use sampled during the sync
	// (live and garbage not yet collected).
	PeakHeapInuse int64
	// PresyncPeakHeapInuse and PresyncPeakRSS are the highest heap in use
	// and VmHWM sampled while the syncing node stored no header yet after
	// connecting (the presync phase, in the presync variant).
	PresyncPeakHeapInuse, PresyncPeakRSS int64
	// Presyncs and HeadersReceived are the syncing node's sync counters at
	// the end (its /debug/chain).
	Presyncs, HeadersReceived uint64
	// Samples is how many times the syncing node was sampled during the
	// sync.
	Samples int
}

// HeapPerHeader is the heap the sync added per header.
func (r HeaderSyncResult) HeapPerHeader() float64 {
	return float64(r.Heap-r.BaseHeap) / float64(r.Headers)
}

// RSSPerHeader is the peak resident memory the sync added per header.
func (r HeaderSyncResult) RSSPerHeader() float64 {
	return float64(r.PeakRSS-r.BaseRSS) / float64(r.Headers)
}

// StorePerHeader is headers.dat's bytes per header.
func (r HeaderSyncResult) StorePerHeader() float64 {
	return float64(r.StoreBytes) / float64(r.Headers)
}

// String is the result on a few lines.
func (r HeaderSyncResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d headers in %v: %.0f headers/s (connected and sync started %v after addnode)",
		r.Variant, r.Headers, r.Wall.Round(time.Millisecond), r.PerSecond, r.Connect.Round(time.Millisecond))
	if r.MinimumChainWork != "" {
		fmt.Fprintf(&b, " (-minimumchainwork=%s, %d presyncs, %d headers received)", r.MinimumChainWork, r.Presyncs, r.HeadersReceived)
	}
	fmt.Fprintf(&b, "\n  heap after GC: %.1f B/header (%d B, less %d B before the sync); heap in use %d B, at most %d B sampled during the sync"+
		"\n  peak RSS: %.1f B/header (VmHWM %d B, less %d B before the sync)"+
		"\n  headers.dat: %.1f B/header (%d B)",
		r.HeapPerHeader(), r.Heap, r.BaseHeap, r.HeapInuse, r.PeakHeapInuse,
		r.RSSPerHeader(), r.PeakRSS, r.BaseRSS, r.StorePerHeader(), r.StoreBytes)
	if r.Variant == "presync" {
		fmt.Fprintf(&b, "\n  before the first stored header (presync): peak heap in use %d B (%.1f B/header over %d B before the sync), VmHWM %d B (%.1f B/header over the RSS before)",
			r.PresyncPeakHeapInuse, float64(r.PresyncPeakHeapInuse-r.BaseHeapInuse)/float64(r.Headers), r.BaseHeapInuse,
			r.PresyncPeakRSS, float64(r.PresyncPeakRSS-r.BaseRSS)/float64(r.Headers))
	}
	return b.String()
}

// HeaderSync measures a header sync between two node processes on
// loopback: it writes cfg.Headers regtest headers into a source node's
// header store, starts the source on it, then for each variant starts a
// fresh syncing node, measures its memory, asks it (addnode RPC) to
// connect to the source and waits until its best header is the source's
// tip.
//
// The syncing node runs with -maxconnections=0 (no automatic connection,
// no listening) and is given the source by the addnode RPC rather than
// -connect, so that its baseline memory is read before any header
// arrives; -connect would start the sync as the node starts.
func HeaderSync(ctx context.Context, cfg HeaderSyncConfig) ([]HeaderSyncResult, error) {
	if cfg.NodeBin == "" {
		return nil, errors.New("header sync: no node binary")
	}
	n := cfg.Headers
	if n == 0 {
		n = 1_000_000
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Minute
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "headersync-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	srcDir := filepath.Join(dir, "source")
	start := time.Now()
	chain, err := WriteRegtestHeaders(srcDir, n, time.Now().Add(-time.Minute))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "wrote %d regtest headers in %v\n", n, time.Since(start).Round(time.Millisecond))

	// The source claims NETWORK (regtest only): sync starts only with a
	// peer that serves blocks (Core's CanServeBlocks).
	src, err := startNodeProc(cfg.NodeBin, srcDir, nil, "-maxoutbound=0", "-regtestservices=NETWORK,WITNESS")
	if err != nil {
		return nil, fmt.Errorf("header sync: source: %w", err)
	}
	defer src.stop()
	start = time.Now()
	if err := waitFor(ctx, timeout, func() (bool, error) {
		ci, err := src.chainInfo()
		return err == nil && ci.Ready && ci.Headers == n, nil
	}); err != nil {
		return nil, fmt.Errorf("header sync: source did not load %d headers: %w%s", n, err, src.logTail())
	}
	fmt.Fprintf(logw, "source loaded %d headers in %v (p2p %s)\n", n, time.Since(start).Round(time.Millisecond), src.p2p)

	var out []HeaderSyncResult
	if cfg.Plain {
		r, err := syncOnce(ctx, cfg, dir, src, chain, "plain", "", timeout, logw)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if cfg.Presync {
		work := fmt.Sprintf("%x", chain.WorkAt(n/2))
		r, err := syncOnce(ctx, cfg, dir, src, chain, "presync", work, timeout, logw)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// sampleEvery is how often the syncing node is polled during a sync.
const sampleEvery = 50 * time.Millisecond

// syncOnce starts a syncing node, syncs it from src and measures it.
func syncOnce(ctx context.Context, cfg HeaderSyncConfig, dir string, src *nodeProc, chain RegtestChain,
	variant, minWork string, timeout time.Duration, logw io.Writer) (HeaderSyncResult, error) {
	r := HeaderSyncResult{Variant: variant, MinimumChainWork: minWork, Headers: chain.Headers}
	ddir := filepath.Join(dir, "sync-"+variant)
	extra := []string{"-maxconnections=0"}
	if minWork != "" {
		extra = append(extra, "-minimumchainwork="+minWork)
	}
	node, err := startNodeProc(cfg.NodeBin, ddir, cfg.SyncEnv, extra...)
	if err != nil {
		return r, fmt.Errorf("header sync %s: %w", variant, err)
	}
	defer node.stop()
	fail := func(err error) (HeaderSyncResult, error) {
		return r, fmt.Errorf("header sync %s: %w%s", variant, err, node.logTail())
	}
	if err := waitFor(ctx, time.Minute, func() (bool, error) {
		ci, err := node.chainInfo()
		return err == nil && ci.Ready, nil
	}); err != nil {
		return fail(fmt.Errorf("not ready: %w", err))
	}
	if r.BaseHeap, r.BaseHeapInuse, err = node.heapAfterGC(""); err != nil {
		return fail(err)
	}
	if r.BaseRSS, err = procStatus(node.cmd.Process.Pid, "VmRSS"); err != nil {
		return fail(err)
	}
	asked := time.Now()
	if err := node.rpc("addnode", src.p2p, "add"); err != nil {
		return fail(err)
	}
	deadline := asked.Add(time.Minute)
	for {
		ci, err := node.chainInfo()
		if err == nil && len(ci.SyncPeers) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("no sync peer a minute after addnode (last error: %v)", err))
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	start := time.Now()
	r.Connect = start.Sub(asked)
	presync := true // no header stored yet
	if err := waitFor(ctx, timeout, func() (bool, error) {
		s, err := node.metrics()
		if err != nil {
			return false, nil
		}
		r.Samples++
		r.PeakHeapInuse = max(r.PeakHeapInuse, s.heapInuse)
		if s.height > 0 {
			presync = false
		}
		if presync {
			r.PresyncPeakHeapInuse = max(r.PresyncPeakHeapInuse, s.heapInuse)
			if hwm, err := procStatus(node.cmd.Process.Pid, "VmHWM"); err == nil {
				r.PresyncPeakRSS = hwm
			}
		}
		return s.height == int64(chain.Headers), nil
	}); err != nil {
		return fail(fmt.Errorf("did not reach height %d: %w", chain.Headers, err))
	}
	r.Wall = time.Since(start)
	r.PerSecond = float64(chain.Headers) / r.Wall.Seconds()
	ci, err := node.chainInfo()
	if err != nil {
		return fail(err)
	}
	if ci.BestHeader != chain.Tip.String() {
		return fail(fmt.Errorf("best header %s, want the source's tip %s", ci.BestHeader, chain.Tip))
	}
	r.Presyncs, r.HeadersReceived = ci.Sync.Presyncs, ci.Sync.HeadersReceived
	profile := ""
	if cfg.ProfileDir != "" {
		profile = filepath.Join(cfg.ProfileDir, "heap-"+variant+".pprof")
	}
	if r.Heap, r.HeapInuse, err = node.heapAfterGC(profile); err != nil {
		return fail(err)
	}
	if r.PeakRSS, err = procStatus(node.cmd.Process.Pid, "VmHWM"); err != nil {
		return fail(err)
	}
	// The store is flushed in the background: wait for every record.
	if err := waitFor(ctx, time.Minute, func() (bool, error) {
		ci, err := node.chainInfo()
		return err == nil && ci.Store.Records == int64(chain.Headers), nil
	}); err != nil {
		return fail(fmt.Errorf("store not flushed: %w", err))
	}
	st, err := os.Stat(filepath.Join(ddir, protocol.NameRegtest, headerstore.FileName))
	if err != nil {
		return fail(err)
	}
	r.StoreBytes = st.Size()
	fmt.Fprintf(logw, "%s: synced %d headers in %v\n", variant, chain.Headers, r.Wall.Round(time.Millisecond))
	return r, nil
}

// waitFor polls cond every sampleEvery until it holds, d passes or ctx
// ends.
func waitFor(ctx context.Context, d time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(d)
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(sampleEvery):
		}
	}
}

// nodeProc is a running node binary on loopback.
type nodeProc struct {
	cmd                 *exec.Cmd
	dir                 string
	p2p, debug, rpcAddr string
	logPath             string
	logf                *os.File
	http                *http.Client
}

// rpcUser and rpcPassword are the syncing node's RPC credentials (loopback
// only, a throwaway node).
const rpcUser, rpcPassword = "headersync", "headersync"

// startNodeProc starts a regtest node with its data in dir on free loopback
// ports: P2P, RPC and the debug endpoint; no seeds, no port mapping. env
// is added to its environment.
func startNodeProc(bin, dir string, env []string, extra ...string) (*nodeProc, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	lo := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	n := &nodeProc{dir: dir, p2p: lo(ports[0]), rpcAddr: lo(ports[1]), debug: lo(ports[2]),
		logPath: filepath.Join(dir, "node.log"), http: &http.Client{Timeout: 30 * time.Second}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	args := []string{"-regtest", "-datadir=" + dir, "-bind=" + n.p2p, "-dnsseed=0", "-fixedseeds=0",
		"-natpmp=0", "-upnp=0", "-discover=0", "-debugaddr=" + n.debug,
		"-server", "-rpcbind=127.0.0.1", "-rpcport=" + strconv.Itoa(ports[1]),
		"-rpcuser=" + rpcUser, "-rpcpassword=" + rpcPassword}
	args = append(args, extra...)
	if n.logf, err = os.Create(n.logPath); err != nil {
		return nil, err
	}
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = n.logf, n.logf
	if len(env) > 0 {
		n.cmd.Env = append(os.Environ(), env...)
	}
	if err := n.cmd.Start(); err != nil {
		n.logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return n, nil
}

// freePorts returns k loopback TCP ports free a moment ago.
func freePorts(k int) ([]int, error) {
	ports := make([]int, 0, k)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// stop interrupts the node and waits for it, killing it after 20 s.
func (n *nodeProc) stop() {
	_ = n.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = n.cmd.Process.Kill()
		<-done
	}
	n.logf.Close()
}

// logTail is the end of the node's log, for an error message.
func (n *nodeProc) logTail() string {
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return ""
	}
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return "\nnode log (" + n.logPath + "), last lines:\n" + string(b)
}

// get fetches path from the debug endpoint.
func (n *nodeProc) get(path string) ([]byte, error) {
	resp, err := n.http.Get("http://" + n.debug + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// chainInfo is the part of /debug/chain HeaderSync reads.
type chainInfo struct {
	Ready      bool     `json:"ready"`
	Headers    int      `json:"headers"`
	BestHeader string   `json:"best_header"`
	SyncPeers  []uint64 `json:"sync_peers"`
	Sync       struct {
		HeadersReceived uint64 `json:"headers_received"`
		Presyncs        uint64 `json:"presyncs"`
	} `json:"sync"`
	Store struct {
		Records int64 `json:"records"`
	} `json:"store"`
}

func (n *nodeProc) chainInfo() (chainInfo, error) {
	var ci chainInfo
	b, err := n.get("/debug/chain")
	if err != nil {
		return ci, err
	}
	if err := json.Unmarshal(b, &ci); err != nil {
		return ci, fmt.Errorf("/debug/chain: %w", err)
	}
	return ci, nil
}

// sample is what one scrape of /metrics gave.
type sample struct {
	height, heapAlloc, heapInuse int64
}

// metrics scrapes the node's Prometheus metrics: the header height and the
// Go collector's heap figures.
func (n *nodeProc) metrics() (sample, error) {
	var s sample
	b, err := n.get("/metrics")
	if err != nil {
		return s, err
	}
	want := map[string]*int64{
		"actornode_header_height":      &s.height,
		"go_memstats_heap_alloc_bytes": &s.heapAlloc,
		"go_memstats_heap_inuse_bytes": &s.heapInuse,
	}
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if p, hit := want[name]; ok && hit {
			f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return s, fmt.Errorf("/metrics %s: %w", name, err)
			}
			*p = int64(f)
			found++
		}
	}
	if found != len(want) {
		return s, fmt.Errorf("/metrics: %d of the %d figures wanted", found, len(want))
	}
	return s, nil
}

// heapAfterGC asks the debug endpoint for a heap profile with gc=1, which
// runs a garbage collection first, saves it to path unless path is "",
// then reads the Go heap (live bytes, spans in use) from /metrics.
func (n *nodeProc) heapAfterGC(path string) (alloc, inuse int64, err error) {
	prof, err := n.get("/debug/pprof/heap?gc=1")
	if err != nil {
		return 0, 0, err
	}
	if path != "" {
		if err := os.WriteFile(path, prof, 0o600); err != nil {
			return 0, 0, err
		}
	}
	s, err := n.metrics()
	if err != nil {
		return 0, 0, err
	}
	return s.heapAlloc, s.heapInuse, nil
}

// rpc calls method on the node's JSON-RPC server and fails on an error
// answer.
func (n *nodeProc) rpc(method string, params ...any) error {
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+n.rpcAddr+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(rpcUser, rpcPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return fmt.Errorf("rpc %s: %w", method, err)
	}
	defer resp.Body.Close()
	var ans struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return fmt.Errorf("rpc %s: %s: %w", method, resp.Status, err)
	}
	if ans.Error != nil {
		return fmt.Errorf("rpc %s: %d %s", method, ans.Error.Code, ans.Error.Message)
	}
	return nil
}

// procStatus reads a kB field of /proc/PID/status (VmRSS, VmHWM) in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}
