package headerchain

import (
	"errors"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/actornode/actornode/protocol"
)

func TestAddRules(t *testing.T) {
	ix, p, m := regtestIndex(t)
	g, _ := p.GenesisHeader()
	gh := p.GenesisHash
	base := m.chain(gh, g.Timestamp, 12) // heights 1..12
	if res, err := ix.Add(base, farFuture); err != nil || res.Added != 12 {
		t.Fatalf("base chain: %+v, %v", res, err)
	}
	tip := hashOf(base[11])
	tipTime := base[11].Timestamp
	limitBits := m.limit.Compact()
	// Median of heights 2..12: the time of height 7.
	mtp := base[6].Timestamp
	now := time.Unix(int64(tipTime), 0)
	maxFuture := uint32(now.Add(MaxFutureBlockTime).Unix())

	for _, tc := range []struct {
		name    string
		headers func() []protocol.BlockHeader
		now     time.Time
		err     error // nil: accepted
		pos     int   // of the refused header
		// accepted is how many headers before it were taken: none when
		// the whole message is refused.
		accepted int
	}{
		{name: "unknown parent", err: ErrPrevNotFound, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(protocol.Hash{1}, tipTime+600, limitBits, 4, false)}
		}},
		{name: "proof of work fails", err: ErrHighHash, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, limitBits, 4, true)}
		}},
		{name: "bits easier than the limit", err: ErrHighHash, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, 0x2100ffff, 4, true)}
		}},
		{name: "proof of work of a later header fails first", err: ErrHighHash, pos: 2, headers: func() []protocol.BlockHeader {
			a := m.mine(tip, tipTime+600, limitBits, 4, false)
			return []protocol.BlockHeader{a, m.mine(protocol.Hash{2}, tipTime+1200, limitBits, 4, false), m.mine(tip, tipTime+1800, limitBits, 4, true)}
		}},
		{name: "not continuous", err: ErrNotContinuous, pos: 1, headers: func() []protocol.BlockHeader {
			a := m.mine(tip, tipTime+600, limitBits, 4, false)
			return []protocol.BlockHeader{a, m.mine(tip, tipTime+1200, limitBits, 4, false)}
		}},
		{name: "bits other than required", err: ErrBadDiffBits, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, 0x207ffffe, 4, false)}
		}},
		{name: "time at median time past", err: ErrTimeTooOld, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, mtp, limitBits, 4, false)}
		}},
		{name: "time just after median time past", headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, mtp+1, limitBits, 4, false)}
		}},
		{name: "time past the future limit", err: ErrTimeTooNew, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, maxFuture+1, limitBits, 4, false)}
		}},
		{name: "time at the future limit", headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, maxFuture, limitBits, 4, false)}
		}},
		{name: "version 1 after BIP34", err: ErrBadVersion, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, limitBits, 1, false)}
		}},
		{name: "version 2 after BIP66", err: ErrBadVersion, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, limitBits, 2, false)}
		}},
		{name: "version 3 after BIP65", err: ErrBadVersion, headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, limitBits, 3, false)}
		}},
		{name: "version bits", headers: func() []protocol.BlockHeader {
			return []protocol.BlockHeader{m.mine(tip, tipTime+600, limitBits, 0x20000000, false)}
		}},
		{name: "refused after two accepted", err: ErrBadVersion, pos: 2, accepted: 2, headers: func() []protocol.BlockHeader {
			a := m.mine(tip, tipTime+600, limitBits, 4, false)
			b := m.mine(hashOf(a), tipTime+1200, limitBits, 4, false)
			return []protocol.BlockHeader{a, b, m.mine(hashOf(b), tipTime+1800, limitBits, 1, false)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := tc.headers()
			before := ix.Len()
			res, err := ix.Add(hs, now)
			if tc.err == nil {
				if err != nil || res.Accepted != len(hs) || res.Added != len(hs) {
					t.Fatalf("got %+v, %v; want all accepted", res, err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			var herr *HeaderError
			if !errors.As(err, &herr) || herr.Pos != tc.pos || herr.Hash != hashOf(hs[tc.pos]) {
				t.Fatalf("error %#v, want position %d", err, tc.pos)
			}
			if res.Accepted != tc.accepted || res.Added != tc.accepted || ix.Len() != before+tc.accepted {
				t.Errorf("result %+v, index grew by %d; want %d accepted", res, ix.Len()-before, tc.accepted)
			}
		})
	}
}

func TestAddKnownHeaders(t *testing.T) {
	ix, p, m := regtestIndex(t)
	g, _ := p.GenesisHeader()
	hs := m.chain(p.GenesisHash, g.Timestamp, 5)
	res, err := ix.Add(hs, farFuture)
	if err != nil || res.Added != 5 || res.Tip == nil {
		t.Fatalf("first: %+v, %v", res, err)
	}
	more := m.chain(hashOf(hs[4]), hs[4].Timestamp, 2)
	// Known headers then new ones: accepted, and only the new ones added.
	res, err = ix.Add(append(slices.Clone(hs[2:]), more...), farFuture)
	if err != nil || res.Accepted != 5 || res.Added != 2 || res.Last.Height != 7 {
		t.Fatalf("again: %+v, %v", res, err)
	}
	res, err = ix.Add(hs, farFuture)
	if err != nil || res.Accepted != 5 || res.Added != 0 || res.Tip != nil || res.Last.Height != 5 {
		t.Fatalf("all known: %+v, %v", res, err)
	}
	e, ok := ix.Lookup(hashOf(hs[2]))
	if !ok || e.Height != 3 || !e.Best || e.Prev != hs[2].PrevBlock || e.Time != hs[2].Timestamp || e.Bits != hs[2].Bits {
		t.Errorf("lookup: %+v %v", e, ok)
	}
	if h, err := ix.Header(e); err != nil || h != hs[2] {
		t.Errorf("header: %+v %v", h, err)
	}
}

// TestTimewarp checks BIP94's rule on regtest with it enabled (Core's
// -test=bip94): the first block of a period may be at most MaxTimewarp
// older than its parent.
func TestTimewarp(t *testing.T) {
	p := network(t, protocol.NameRegtest)
	p.Consensus.EnforceBIP94 = true
	ix, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	m := newMiner(t, p.Consensus)
	g, _ := p.GenesisHeader()
	interval := int(p.Consensus.DifficultyAdjustmentInterval())
	hs := m.chain(p.GenesisHash, g.Timestamp, interval-1)
	if _, err := ix.Add(hs, farFuture); err != nil {
		t.Fatal(err)
	}
	last := hs[len(hs)-1]
	bits := m.limit.Compact()
	early := m.mine(hashOf(last), last.Timestamp-601, bits, 4, false)
	if _, err := ix.Add([]protocol.BlockHeader{early}, farFuture); !errors.Is(err, ErrTimewarp) {
		t.Fatalf("601 s early: %v, want %v", err, ErrTimewarp)
	}
	ok := m.mine(hashOf(last), last.Timestamp-600, bits, 4, false)
	if _, err := ix.Add([]protocol.BlockHeader{ok}, farFuture); err != nil {
		t.Fatalf("600 s early: %v", err)
	}
	// Inside a period the rule does not apply: only median time past.
	inside := m.mine(hashOf(ok), ok.Timestamp-601, bits, 4, false)
	if _, err := ix.Add([]protocol.BlockHeader{inside}, farFuture); err != nil {
		t.Fatalf("inside a period: %v", err)
	}
}

// TestBIP94Retarget: testnet4 retargets from the bits of the period's first
// block, testnet3 from its last.
func TestBIP94Retarget(t *testing.T) {
	period := Period{FirstTime: 0, FirstBits: 0x1c0ffff0, LastTime: 14 * 24 * 3600, LastBits: 0x1d00ffff}
	if got := CalculateNextWorkRequired(period, network(t, protocol.NameTestnet4).Consensus); got != 0x1c0ffff0 {
		t.Errorf("testnet4: %#08x, want 0x1c0ffff0", got)
	}
	if got := CalculateNextWorkRequired(period, network(t, protocol.NameTestnet3).Consensus); got != 0x1d00ffff {
		t.Errorf("testnet3: %#08x, want 0x1d00ffff", got)
	}
	if got := CalculateNextWorkRequired(period, network(t, protocol.NameRegtest).Consensus); got != 0x1d00ffff {
		t.Errorf("regtest (no retargeting): %#08x, want the last bits", got)
	}
}

func TestBestChainAndReorg(t *testing.T) {
	ix, p, m := regtestIndex(t)
	g, _ := p.GenesisHeader()
	a := m.chain(p.GenesisHash, g.Timestamp, 3)
	b := m.chain(p.GenesisHash, g.Timestamp+1, 4)
	c := m.chain(p.GenesisHash, g.Timestamp+2, 5)
	ref := func(hs []protocol.BlockHeader, i int) BlockRef {
		return BlockRef{Hash: hashOf(hs[i]), Height: int32(i + 1)}
	}
	genesis := BlockRef{Hash: p.GenesisHash}

	res, err := ix.Add(a, farFuture)
	if err != nil || res.Tip == nil {
		t.Fatalf("a: %+v %v", res, err)
	}
	want := &TipChange{Old: genesis, New: ref(a, 2), Fork: genesis, Connected: []BlockRef{ref(a, 0), ref(a, 1), ref(a, 2)}}
	checkTipChange(t, "a", res.Tip, want)

	// b's first three blocks tie with a at best: a, seen first, stays.
	res, err = ix.Add(b[:3], farFuture)
	if err != nil || res.Tip != nil || ix.Tip() != ref(a, 2) {
		t.Fatalf("b tie: %+v %v, tip %+v", res, err, ix.Tip())
	}
	// b's fourth has more work: a reorg.
	res, err = ix.Add(b[3:], farFuture)
	if err != nil {
		t.Fatal(err)
	}
	checkTipChange(t, "b", res.Tip, &TipChange{Old: ref(a, 2), New: ref(b, 3), Fork: genesis,
		Disconnected: []BlockRef{ref(a, 2), ref(a, 1), ref(a, 0)},
		Connected:    []BlockRef{ref(b, 0), ref(b, 1), ref(b, 2), ref(b, 3)}})
	if e, _ := ix.Lookup(hashOf(a[1])); e.Best {
		t.Error("a's block still on the best chain")
	}

	// A branch off b at height 2 that overtakes it.
	d := m.chain(hashOf(b[1]), b[1].Timestamp+7, 3)
	res, err = ix.Add(d, farFuture)
	if err != nil {
		t.Fatal(err)
	}
	dref := func(i int) BlockRef { return BlockRef{Hash: hashOf(d[i]), Height: int32(i + 3)} }
	checkTipChange(t, "d", res.Tip, &TipChange{Old: ref(b, 3), New: dref(2), Fork: ref(b, 1),
		Disconnected: []BlockRef{ref(b, 3), ref(b, 2)},
		Connected:    []BlockRef{dref(0), dref(1), dref(2)}})

	// c ties d at 5: no change.
	if res, err = ix.Add(c, farFuture); err != nil || res.Tip != nil {
		t.Fatalf("c: %+v %v", res, err)
	}
	for h := int32(0); h <= 5; h++ {
		e, ok := ix.AtHeight(h)
		if !ok || !e.Best || e.Height != h {
			t.Errorf("height %d: %+v %v", h, e, ok)
		}
	}
	if _, ok := ix.AtHeight(6); ok {
		t.Error("a block above the tip")
	}
	if ix.Len() != 1+3+4+3+5 {
		t.Errorf("Len %d", ix.Len())
	}
}

func checkTipChange(t *testing.T, name string, got, want *TipChange) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no tip change", name)
	}
	if got.Old != want.Old || got.New != want.New || got.Fork != want.Fork ||
		!slices.Equal(got.Disconnected, want.Disconnected) || !slices.Equal(got.Connected, want.Connected) {
		t.Fatalf("%s: tip change\n got %+v\nwant %+v", name, got, want)
	}
}

// longChain returns a regtest index holding n headers after genesis and
// those headers.
func longChain(t testing.TB, n int) (*Index, protocol.Params, *miner, []protocol.BlockHeader) {
	ix, p, m := regtestIndex(t)
	g, _ := p.GenesisHeader()
	hs := m.chain(p.GenesisHash, g.Timestamp, n)
	for rest := hs; len(rest) > 0; {
		k := min(len(rest), MaxHeadersResults)
		if _, err := ix.Add(rest[:k], farFuture); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}
	return ix, p, m, hs
}

func TestLocator(t *testing.T) {
	ix, p, _, hs := longChain(t, 100)
	// Core steps back by the current step, then doubles it once the
	// locator has more than ten entries.
	heights := []int{100, 99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 87, 83, 75, 59, 27, 0}
	want := make([]protocol.Hash, len(heights))
	for i, h := range heights {
		if h == 0 {
			want[i] = p.GenesisHash
		} else {
			want[i] = hashOf(hs[h-1])
		}
	}
	if got := ix.TipLocator(); !slices.Equal(got, want) {
		t.Errorf("tip locator:\n got %v\nwant %v", got, want)
	}
	if got := ix.Locator(hashOf(hs[99])); !slices.Equal(got, want) {
		t.Errorf("locator of the tip differs from TipLocator")
	}
	if got := ix.Locator(p.GenesisHash); !slices.Equal(got, []protocol.Hash{p.GenesisHash}) {
		t.Errorf("genesis locator %v", got)
	}
	if got := ix.Locator(protocol.Hash{9}); got != nil {
		t.Errorf("unknown hash locator %v", got)
	}
}

func TestHeadersAfter(t *testing.T) {
	ix, p, m, hs := longChain(t, 2100)
	side := m.chain(hashOf(hs[9]), hs[9].Timestamp+3, 2) // heights 11, 12 off the best chain
	if _, err := ix.Add(side, farFuture); err != nil {
		t.Fatal(err)
	}
	h := func(height int) protocol.Hash { return hashOf(hs[height-1]) }
	for _, tc := range []struct {
		name    string
		locator []protocol.Hash
		stop    protocol.Hash
		max     int
		first   int // height of the first header answered
		n       int
	}{
		{name: "from genesis, capped", locator: []protocol.Hash{p.GenesisHash}, max: MaxHeadersResults, first: 1, n: 2000},
		{name: "unknown locator means genesis", locator: []protocol.Hash{{7}, {8}}, max: MaxHeadersResults, first: 1, n: 2000},
		{name: "up to stop", locator: []protocol.Hash{h(5), p.GenesisHash}, stop: h(9), max: MaxHeadersResults, first: 6, n: 4},
		{name: "first known locator entry counts", locator: []protocol.Hash{{7}, h(2000), h(10)}, max: MaxHeadersResults, first: 2001, n: 100},
		{name: "peer at our tip", locator: []protocol.Hash{h(2100)}, max: MaxHeadersResults, n: 0},
		{name: "side branch locator forks at its ancestor", locator: []protocol.Hash{hashOf(side[1]), hashOf(side[0]), h(10)}, max: 3, first: 11, n: 3},
		{name: "empty locator, stop on the best chain", stop: h(42), max: MaxHeadersResults, first: 42, n: 1},
		{name: "empty locator, stop unknown", stop: protocol.Hash{5}, max: MaxHeadersResults, n: 0},
		{name: "empty locator, stop on a side branch", stop: hashOf(side[0]), max: MaxHeadersResults, n: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.AppendHeadersAfter(nil, tc.locator, tc.stop, tc.max)
			if err != nil || len(got) != tc.n {
				t.Fatalf("%d headers, want %d", len(got), tc.n)
			}
			for i := range got {
				want := hs[tc.first-1+i]
				if got[i] != want {
					t.Fatalf("header %d: %+v, want height %d", i, got[i], tc.first+i)
				}
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	good := network(t, protocol.NameRegtest)
	for _, tc := range []struct {
		name   string
		change func(p *protocol.Params)
		opts   []Option
	}{
		{name: "genesis of another network", change: func(p *protocol.Params) { p.GenesisHash = network(t, protocol.NameMainnet).GenesisHash }},
		{name: "no genesis block", change: func(p *protocol.Params) { p.GenesisBlock = nil }},
		{name: "no consensus rules", change: func(p *protocol.Params) { p.Consensus = protocol.Consensus{} }},
		{name: "negative capacity", opts: []Option{WithCapacity(-1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			if tc.change != nil {
				tc.change(&p)
			}
			if ix, err := New(p, tc.opts...); err == nil {
				t.Fatalf("New succeeded: %d headers", ix.Len())
			}
		})
	}
	ix, err := New(good, WithCapacity(10))
	if err != nil || ix.Len() != 1 || ix.Tip() != ix.Genesis() || ix.Genesis().Hash != good.GenesisHash {
		t.Fatalf("New: %v", err)
	}
	if w := ix.TipWork(); w != (Uint256{2}) {
		t.Errorf("genesis work %s, want 2", w)
	}
}

// TestReorgToFewerHeavierBlocks mines on a small network that retargets
// every 4 blocks: a branch whose first period went fast gets 4 times
// harder blocks and overtakes a longer branch with fewer blocks.
func TestReorgToFewerHeavierBlocks(t *testing.T) {
	limit := Uint256{0, 0, 0, 1 << 50} // 2^242: four timespans do not overflow
	c := protocol.Consensus{
		PowLimit:          limit.Hash(),
		PowTargetSpacing:  10 * time.Minute,
		PowTargetTimespan: 40 * time.Minute, // 4 blocks a period
		BIP34Height:       1, BIP66Height: 1, BIP65Height: 1,
	}
	m := newMiner(t, c)
	easy := limit.Compact()
	root := m.mine(protocol.Hash{}, 1_700_000_000, easy, 4, false)
	ix, err := newIndexAt(c, &root, 0)
	if err != nil {
		t.Fatal(err)
	}
	branch := func(spacing uint32, n int, bits func(height int) uint32) []protocol.BlockHeader {
		hs := make([]protocol.BlockHeader, n)
		prev := hashOf(root)
		for i := range hs {
			hs[i] = m.mine(prev, root.Timestamp+uint32(i+1)*spacing, bits(i+1), 4, false)
			prev = hashOf(hs[i])
		}
		return hs
	}
	// Slow blocks: the retarget at 4 stays at the limit.
	slow := branch(2400, 6, func(int) uint32 { return easy })
	if _, err := ix.Add(slow, farFuture); err != nil {
		t.Fatal(err)
	}
	// Fast blocks: the first period took 450 s, clamped to 600 s, a
	// quarter of the timespan: the target at 4 is a quarter of the limit.
	quarter := limit.divUint64(4).Compact()
	fast := branch(150, 4, func(h int) uint32 {
		if h == 4 {
			return quarter
		}
		return easy
	})
	if !PermittedDifficultyTransition(c, 4, easy, quarter) || PermittedDifficultyTransition(c, 4, easy, limit.divUint64(5).Compact()) {
		t.Fatal("transition rules")
	}
	// Claiming the limit at 4 instead is refused.
	wrong := m.mine(hashOf(fast[2]), fast[3].Timestamp, easy, 4, false)
	if _, err := ix.Add(append(slices.Clone(fast[:3]), wrong), farFuture); !errors.Is(err, ErrBadDiffBits) {
		t.Fatalf("limit bits at the retarget: %v, want %v", err, ErrBadDiffBits)
	}
	res, err := ix.Add(fast, farFuture)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(hs []protocol.BlockHeader, i int) BlockRef {
		return BlockRef{Hash: hashOf(hs[i]), Height: int32(i + 1)}
	}
	checkTipChange(t, "fast", res.Tip, &TipChange{
		Old: ref(slow, 5), New: ref(fast, 3), Fork: BlockRef{Hash: hashOf(root)},
		Disconnected: []BlockRef{ref(slow, 5), ref(slow, 4), ref(slow, 3), ref(slow, 2), ref(slow, 1), ref(slow, 0)},
		Connected:    []BlockRef{ref(fast, 0), ref(fast, 1), ref(fast, 2), ref(fast, 3)},
	})
	p := BlockProof(easy)
	want := p.mulUint64(4).Add(BlockProof(quarter)) // root, 3 easy, 1 quarter
	if ix.TipWork() != want {
		t.Errorf("tip work %s, want %s", ix.TipWork(), want)
	}
	if _, ok := ix.AtHeight(5); ok {
		t.Error("the best chain still reaches height 5")
	}
}

// TestEntrySize holds the index to the memory its doc promises.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 64 {
		t.Errorf("entry is %d bytes, want 64", n)
	}
}

func TestAncestor(t *testing.T) {
	ix, p, m := regtestIndex(t)
	hs := m.chain(p.GenesisHash, 1296688602, 5)
	if _, err := ix.Add(hs, farFuture); err != nil {
		t.Fatal(err)
	}
	top := hs[len(hs)-1].BlockHash()
	for h := int32(0); h <= 5; h++ {
		got, ok := ix.Ancestor(top, h)
		want, _ := ix.AtHeight(h)
		if !ok || got.Hash != want.Hash || got.Height != h {
			t.Errorf("Ancestor(tip, %d) = %v %v, want %v", h, got, ok, want.Hash)
		}
	}
	if _, ok := ix.Ancestor(top, 6); ok {
		t.Error("Ancestor above the header's height is found")
	}
	if _, ok := ix.Ancestor(protocol.Hash{1}, 0); ok {
		t.Error("Ancestor of an unknown hash is found")
	}
}

func TestTipsAndMedianTime(t *testing.T) {
	ix, p, m := regtestIndex(t)
	a := m.chain(p.GenesisHash, 1296688602, 3)
	b := m.chain(a[0].BlockHash(), 1296688602+60, 1)
	for _, hs := range [][]protocol.BlockHeader{a, b} {
		if _, err := ix.Add(hs, farFuture); err != nil {
			t.Fatal(err)
		}
	}
	tips := ix.Tips()
	if len(tips) != 2 || tips[0].Hash != a[2].BlockHash() || !tips[0].Best || tips[1].Hash != b[0].BlockHash() || tips[1].Best {
		t.Fatalf("tips %+v", tips)
	}
	// Median of genesis and a[0..2]: the times sorted, the middle (index 2).
	mtp, ok := ix.MedianTimePast(a[2].BlockHash())
	if !ok || mtp != int64(a[1].Timestamp) {
		t.Fatalf("median time past %d %v, want %d", mtp, ok, a[1].Timestamp)
	}
}
