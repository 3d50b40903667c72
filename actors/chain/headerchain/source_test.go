package headerchain

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// countingSource is a MemorySource that counts reads and can be made to
// fail them.
type countingSource struct {
	MemorySource
	reads int
	fail  error
}

func (c *countingSource) ReadRecords(dst []protocol.BlockHeader, n int64) error {
	c.reads++
	if c.fail != nil {
		return c.fail
	}
	return c.MemorySource.ReadRecords(dst, n)
}

// TestWorkSaturates: chain work is kept in 128 bits and saturates at
// 2^128-1 rather than wrapping, so more work never compares as less.
func TestWorkSaturates(t *testing.T) {
	one := work{lo: 1}
	if got := (work{lo: ^uint64(0)}).add(one); got != (work{hi: 1}) {
		t.Errorf("carry: %+v", got)
	}
	if got := maxWork.add(one); got != maxWork {
		t.Errorf("max+1 = %+v, want max", got)
	}
	if got := (work{hi: 1 << 63}).add(work{hi: 1 << 63}); got != maxWork {
		t.Errorf("2^127+2^127 = %+v, want max", got)
	}
	if got := workOf(Uint256{0, 0, 1, 0}); got != maxWork {
		t.Errorf("workOf(2^128) = %+v, want max", got)
	}
	if got := workOf(Uint256{5, 7, 0, 0}); got != (work{hi: 7, lo: 5}) || got.uint256() != (Uint256{5, 7, 0, 0}) {
		t.Errorf("workOf round trip: %+v", got)
	}
	// A target of 1 claims a proof of about 2^255: saturated.
	if got := workOf(BlockProof(0x03000001)); got != maxWork {
		t.Errorf("proof of target 1: %+v, want max", got)
	}
	// The largest proof below 2^128 is kept exactly.
	p := BlockProof(0x11010000) // target 2^128: proof 2^256/(2^128+1), just below 2^128
	if p[2]|p[3] != 0 || workOf(p).uint256() != p {
		t.Errorf("proof %s not kept exactly", p)
	}
	for _, c := range []struct {
		a, b work
		want int
	}{
		{work{hi: 1}, work{lo: ^uint64(0)}, 1},
		{work{lo: 2}, work{lo: 3}, -1},
		{maxWork, maxWork, 0},
	} {
		if got := c.a.cmp(c.b); got != c.want {
			t.Errorf("cmp(%+v, %+v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestSourceFollowsEntries: every header Add adds is appended to the
// source in the order of its entry, forks and partly refused messages
// included, so record n is always entry n+1's header.
func TestSourceFollowsEntries(t *testing.T) {
	src := &countingSource{}
	p, ix, m, g := onSource(t, src)
	a := m.chain(p.GenesisHash, g.Timestamp, 10)
	b := m.chain(hashOf(a[3]), a[3].Timestamp+1, 3)
	bad := m.chain(hashOf(a[9]), a[9].Timestamp, 2)
	// A third header from too far in the future: refused, after the two
	// before it were added.
	bad = append(bad, m.mine(hashOf(bad[1]), bad[1].Timestamp+3*3600, bad[1].Bits, 4, false))
	for _, msg := range [][]protocol.BlockHeader{a[:6], a[2:], b} {
		if _, err := ix.Add(msg, farFuture); err != nil {
			t.Fatal(err)
		}
	}
	res, err := ix.Add(bad, time.Unix(int64(bad[1].Timestamp), 0))
	if !errors.Is(err, ErrTimeTooNew) || res.Added != 2 {
		t.Fatalf("add: %+v %v", res, err)
	}
	want := slices.Concat(a, b, bad[:2])
	if src.Records() != int64(len(want)) || ix.Len() != len(want)+1 {
		t.Fatalf("%d records, %d entries, want %d and %d", src.Records(), ix.Len(), len(want), len(want)+1)
	}
	got := make([]protocol.BlockHeader, len(want))
	if err := src.MemorySource.ReadRecords(got, 0); err != nil || !slices.Equal(got, want) {
		t.Fatalf("records differ from the headers added in order: %v", err)
	}
	for _, h := range want {
		e, ok := ix.Lookup(hashOf(h))
		if full, err := ix.Header(e); !ok || err != nil || full != h {
			t.Fatalf("Header(%s) = %v, %v", hashOf(h), full, err)
		}
	}
	if h, err := ix.Header(ix.TipEntry()); err != nil || h != bad[1] {
		t.Fatalf("tip header %v %v", h, err)
	}
	// Restore refuses what the index holds: a duplicate record in a store
	// would shift every later record off its entry.
	if err := ix.Restore(&a[4]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("restore of a known header: %v, want %v", err, ErrDuplicate)
	}
}

// TestHeadersAfterReadsRuns: a getheaders answer reads each run of
// consecutive records of the best chain with one read, and a failed read
// leaves dst as it was.
func TestHeadersAfterReadsRuns(t *testing.T) {
	src := &countingSource{}
	p, ix, m, g := onSource(t, src)
	// a: heights 1-10; b forks after a's height 6 and overtakes it: the
	// best chain is a[:6] then b, two runs of records.
	a := m.chain(p.GenesisHash, g.Timestamp, 10)
	b := m.chain(hashOf(a[5]), a[5].Timestamp+1, 8)
	for _, msg := range [][]protocol.BlockHeader{a, b} {
		if _, err := ix.Add(msg, farFuture); err != nil {
			t.Fatal(err)
		}
	}
	want := slices.Concat(a[:6], b)
	src.reads = 0
	got, err := ix.AppendHeadersAfter(nil, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, MaxHeadersResults)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("answer of %d headers, want %d: %v", len(got), len(want), err)
	}
	if src.reads != 2 {
		t.Errorf("%d reads, want 2 (one a run)", src.reads)
	}
	src.reads = 0
	if got, err = ix.AppendHeadersAfter(nil, []protocol.Hash{hashOf(b[0])}, protocol.Hash{}, 3); err != nil || !slices.Equal(got, b[1:4]) || src.reads != 1 {
		t.Errorf("inside a run: %d headers, %d reads, %v", len(got), src.reads, err)
	}

	src.fail = errors.New("disk on fire")
	dst := []protocol.BlockHeader{a[0]}
	got, err = ix.AppendHeadersAfter(dst, []protocol.Hash{p.GenesisHash}, protocol.Hash{}, MaxHeadersResults)
	if !errors.Is(err, src.fail) || len(got) != 1 || got[0] != a[0] {
		t.Fatalf("failed read: %d headers, %v", len(got), err)
	}
	if _, err := ix.Header(ix.TipEntry()); !errors.Is(err, src.fail) {
		t.Fatalf("Header on a failed read: %v", err)
	}
	// The root's header is the index's own.
	root, _ := ix.AtHeight(0)
	if h, err := ix.Header(root); err != nil || h != g {
		t.Fatalf("root header %v %v", h, err)
	}
}

// TestHeaderOfSourceOutOfStep: a source whose records do not match the
// entries (a store written by a buggy owner) gives an error, never another
// header.
func TestHeaderOfSourceOutOfStep(t *testing.T) {
	src := &MemorySource{}
	p, ix, m, g := onSource(t, src)
	hs := m.chain(p.GenesisHash, g.Timestamp, 3)
	src.Append(hs[2:]) // one stray record before the index's own
	if _, err := ix.Add(hs, farFuture); err != nil {
		t.Fatal(err)
	}
	e, _ := ix.AtHeight(1)
	if h, err := ix.Header(e); err == nil {
		t.Fatalf("Header of a source out of step: %v, no error", h)
	}
	if _, err := ix.Header(Entry{Hash: protocol.Hash{9}, pos: 1}); err == nil {
		t.Fatal("Header of an entry of another index: no error")
	}
}

// TestMemorySource reads across its chunks and refuses reads past its end.
func TestMemorySource(t *testing.T) {
	var m MemorySource
	hs := make([]protocol.BlockHeader, memChunk+10)
	for i := range hs {
		hs[i].Nonce = uint32(i)
	}
	m.Append(hs[:5])
	m.Append(hs[5:])
	got := make([]protocol.BlockHeader, 20)
	if err := m.ReadRecords(got, memChunk-10); err != nil || !slices.Equal(got, hs[memChunk-10:memChunk+10]) {
		t.Fatalf("read across chunks: %v", err)
	}
	if err := m.ReadRecords(got, memChunk); err == nil {
		t.Fatal("read past the end: no error")
	}
	if err := m.ReadRecords(got[:1], -1); err == nil {
		t.Fatal("read before the start: no error")
	}
}

// onSource returns a regtest index on src, a miner for it and the genesis
// header.
func onSource(t *testing.T, src Source) (protocol.Params, *Index, *miner, protocol.BlockHeader) {
	t.Helper()
	p := network(t, protocol.NameRegtest)
	ix, err := New(p, WithSource(src))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := p.GenesisHeader()
	return p, ix, newMiner(t, p.Consensus), g
}

// TestBestChainChunks: the best chain grows and shrinks across chunk
// boundaries like a slice would; heights a shrink gave up read 0 (the
// root's position, never a higher header's) when the chain grows again,
// and chunks wholly past the end are let go.
func TestBestChainChunks(t *testing.T) {
	var b bestChain
	var want []uint32
	check := func(what string) {
		t.Helper()
		if b.len() != len(want) {
			t.Fatalf("%s: len %d, want %d", what, b.len(), len(want))
		}
		for i, w := range want {
			if got := b.at(i); got != w {
				t.Fatalf("%s: at(%d) = %d, want %d", what, i, got, w)
			}
		}
		if need := (len(want) + chunkLen - 1) / chunkLen; len(b.chunks) != need {
			t.Fatalf("%s: %d chunks held, want %d", what, len(b.chunks), need)
		}
	}
	for i := range 2*chunkLen + 5 {
		b.push(uint32(i + 1))
		want = append(want, uint32(i+1))
	}
	check("grown past two chunks")
	for _, n := range []int{chunkLen + 3, chunkLen, 7, 20, chunkLen + 3, 0, 2*chunkLen + 1} {
		b.resize(n)
		if n <= len(want) {
			want = want[:n]
		} else {
			want = append(want, make([]uint32, n-len(want))...)
		}
		check("resized")
	}
	b.resize(10)
	want = want[:10]
	b.set(9, 99)
	want[9] = 99
	b.resize(chunkLen + 1)
	want = append(want, make([]uint32, chunkLen+1-10)...)
	check("regrown after a set")
}
