package loadgen

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildNode builds the node binary into a test directory.
func buildNode(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actornode")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/actornode/actornode").CombinedOutput()
	if err != nil {
		t.Fatalf("build actornode: %v\n%s", err, out)
	}
	return bin
}

// HeaderSync runs end to end at a small size, both ways, as make syncbench
// runs it at a million: the syncing node process reaches the source's tip
// over loopback, and with -minimumchainwork at half the chain it presyncs
// first (the first half comes twice), then stores a header per header.
func TestHeaderSyncBetweenTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	const n = 6000 // the first full headers message (2000) is below half the work: presync
	dir := t.TempDir()
	prof := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs, err := HeaderSync(ctx, HeaderSyncConfig{NodeBin: buildNode(t), Headers: n, Plain: true, Presync: true,
		Timeout: 2 * time.Minute, Dir: dir, ProfileDir: prof})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d results, want plain and presync", len(rs))
	}
	for _, r := range rs {
		t.Log(r)
		if r.StoreBytes != 16+84*n {
			t.Errorf("%s: headers.dat %d bytes, want %d", r.Variant, r.StoreBytes, 16+84*n)
		}
		if r.Heap <= 0 || r.BaseHeap <= 0 || r.PeakRSS <= 0 || r.BaseRSS <= 0 {
			t.Errorf("%s: a memory figure is missing: %+v", r.Variant, r)
		}
		if _, err := os.Stat(filepath.Join(prof, "heap-"+r.Variant+".pprof")); err != nil {
			t.Errorf("%s: no heap profile: %v", r.Variant, err)
		}
	}
	plain, pre := rs[0], rs[1]
	if plain.Presyncs != 0 || plain.HeadersReceived != n {
		t.Errorf("plain: %d presyncs, %d headers received; want none and %d", plain.Presyncs, plain.HeadersReceived, n)
	}
	// Presync: the first half (to the first full message at or past the
	// minimum work) twice, then the rest.
	if pre.MinimumChainWork == "" || pre.Presyncs != 1 || pre.HeadersReceived <= n {
		t.Errorf("presync: -minimumchainwork=%q, %d presyncs, %d headers received; want one presync and more than %d",
			pre.MinimumChainWork, pre.Presyncs, pre.HeadersReceived, n)
	}
}
