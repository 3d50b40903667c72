package presync

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// Core's headers_sync_chainwork_tests: a target of 15,000 easy blocks
// (work 30,000), commitments every 600 blocks, a buffer 2,123 below the
// target.
const (
	targetBlocks   = 15_000
	targetWork     = 2 * targetBlocks
	coreBufferSize = targetBlocks - (headerchain.MaxHeadersResults + 123)
)

var coreParams = Params{CommitmentPeriod: 600, RedownloadBufferSize: coreBufferSize}

// Two chains from genesis, as Core's test builds them: the first reaches
// the target work with genesis, the second stops two blocks short.
func coreChains(t *testing.T) (first, second []protocol.BlockHeader) {
	p, g, _ := regtest(t)
	first = chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, targetBlocks-1, 0)
	second = chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, targetBlocks-2, 1)
	return first, second
}

func wantResult(t *testing.T, res Result, state State, end End, requestMore bool, released int) {
	t.Helper()
	if res.Err != nil || res.State != state || res.End != end || res.RequestMore != requestMore || len(res.Headers) != released {
		t.Fatalf("result: err %v state %v end %v more %v released %d; want err nil state %v end %v more %v released %d",
			res.Err, res.State, res.End, res.RequestMore, len(res.Headers), state, end, requestMore, released)
	}
}

// An honest chain above the threshold passes presync, is redownloaded, and
// comes out exactly, in order, first held back by the buffer: Core's
// happy_path, then the released headers go into a real index.
func TestHonestChainReleasedInOrder(t *testing.T) {
	first, _ := coreChains(t)
	p, _, start := regtest(t)
	for _, full := range []bool{false, true} {
		s := newSync(t, p.Consensus, coreParams, start, targetWork)
		res := s.ProcessNextHeaders(first, full)
		wantResult(t, res, Redownload, EndNone, true, 0)
		if res.Locator[0] != p.GenesisHash {
			t.Fatalf("redownload locator starts at %s, want genesis", res.Locator[0])
		}

		res = s.ProcessNextHeaders(first[:coreBufferSize], true)
		wantResult(t, res, Redownload, EndNone, true, 0)
		if want := first[coreBufferSize-1].BlockHash(); res.Locator[0] != want {
			t.Fatalf("locator starts at %s, want the last buffered %s", res.Locator[0], want)
		}

		res = s.ProcessNextHeaders(first[coreBufferSize:coreBufferSize+1], true)
		wantResult(t, res, Redownload, EndNone, true, 1)
		if res.Headers[0] != first[0] {
			t.Fatal("the first released header is not the chain's first")
		}
		released := res.Headers

		res = s.ProcessNextHeaders(first[coreBufferSize+1:], full)
		wantResult(t, res, Final, EndComplete, false, len(first)-1)
		released = append(released, res.Headers...)
		if !slices.Equal(released, first) {
			t.Fatal("released headers differ from the chain")
		}
		if s.MemoryUsage() > 1024 {
			t.Fatalf("a finished sync holds %d bytes", s.MemoryUsage())
		}

		ix, err := headerchain.New(p)
		if err != nil {
			t.Fatal(err)
		}
		for rest := released; len(rest) > 0; {
			k := min(len(rest), headerchain.MaxHeadersResults)
			if _, err := ix.Add(rest[:k], time.Unix(1<<32, 0)); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if ix.Tip().Height != int32(len(first)) || ix.TipWork().Cmp(headerchain.Uint256{targetWork}) != 0 {
			t.Fatalf("index tip %d work %s", ix.Tip().Height, ix.TipWork())
		}
	}
}

// The same chain in full messages, as a peer serves it: every message asks
// for more until the end, and each release continues the last.
func TestHonestChainInMessages(t *testing.T) {
	first, _ := coreChains(t)
	p, _, start := regtest(t)
	s := newSync(t, p.Consensus, coreParams, start, targetWork)
	_, res := feed(t, s, first, false)
	wantResult(t, res, Redownload, EndNone, true, 0)
	var released []protocol.BlockHeader
	for rest := first; len(rest) > 0; {
		k := min(len(rest), headerchain.MaxHeadersResults)
		res = s.ProcessNextHeaders(rest[:k], k == headerchain.MaxHeadersResults)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if s.buffer.len() > coreBufferSize {
			t.Fatalf("buffer holds %d headers, more than %d", s.buffer.len(), coreBufferSize)
		}
		if len(released) > 0 && len(res.Headers) > 0 && res.Headers[0].PrevBlock != released[len(released)-1].BlockHash() {
			t.Fatal("a release does not continue the last")
		}
		released = append(released, res.Headers...)
		rest = rest[k:]
	}
	if res.State != Final || res.End != EndComplete || !slices.Equal(released, first) {
		t.Fatalf("state %v end %v, released %d of %d", res.State, res.End, len(released), len(first))
	}
}

// A peer that serves another chain on redownload fails the commitments:
// Core's sneaky_redownload (25 commitments: a spurious pass is 1 in 2^25).
func TestRedownloadOfAnotherChainAborts(t *testing.T) {
	first, second := coreChains(t)
	p, _, start := regtest(t)
	s := newSync(t, p.Consensus, coreParams, start, targetWork)
	res := s.ProcessNextHeaders(first[:1], true)
	wantResult(t, res, Presync, EndNone, true, 0)
	if want := []protocol.Hash{first[0].BlockHash(), p.GenesisHash}; !slices.Equal(res.Locator, want) {
		t.Fatalf("locator %v, want %v", res.Locator, want)
	}
	res = s.ProcessNextHeaders(first[1:], true)
	wantResult(t, res, Redownload, EndNone, true, 0)

	res = s.ProcessNextHeaders(second, true)
	if !errors.Is(res.Err, ErrCommitmentMismatch) || res.State != Final || res.End != EndAborted || len(res.Headers) != 0 || res.RequestMore {
		t.Fatalf("result %+v, want a commitment mismatch", res)
	}
	if s.MemoryUsage() > 1024 {
		t.Fatalf("an aborted sync holds %d bytes", s.MemoryUsage())
	}
	if res := s.ProcessNextHeaders(first[:1], true); !errors.Is(res.Err, ErrFinished) {
		t.Fatalf("after the end: %v", res.Err)
	}
}

// A chain that ends below the threshold ends the sync with nothing
// released and no error: Core's too_little_work.
func TestTooLittleWorkEnds(t *testing.T) {
	_, second := coreChains(t)
	p, _, start := regtest(t)
	s := newSync(t, p.Consensus, coreParams, start, targetWork)
	res := s.ProcessNextHeaders(second[:1], true)
	wantResult(t, res, Presync, EndNone, true, 0)
	res = s.ProcessNextHeaders(second[1:], false)
	wantResult(t, res, Final, EndLowWork, false, 0)
	if res.Locator != nil || s.NextHeadersRequestLocator() != nil {
		t.Fatal("a finished sync still gives a locator")
	}
}

// A chain longer than the time since the start allows is aborted when the
// commitment past the bound is added; a chain at the bound passes.
func TestTooManyCommitmentsAborts(t *testing.T) {
	p, g, start := regtest(t)
	params := Params{CommitmentPeriod: 10, RedownloadBufferSize: 100}
	// 5 seconds past the future-time allowance: 6*5/10 = 3 commitments.
	now := time.Unix(start.MedianTimePast, 0).Add(-headerchain.MaxFutureBlockTime + 5*time.Second)
	hs := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 60, 0)
	for _, tc := range []struct {
		name    string
		headers int
		err     error
	}{
		{"at the bound", 3*10 + 9, nil},
		{"past the bound", 60, ErrTooManyCommitments},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(Config{Consensus: p.Consensus, Params: params, Start: start,
				MinimumWork: headerchain.Uint256{1 << 40}, Now: now, Rand: fixedRand()})
			if err != nil {
				t.Fatal(err)
			}
			if s.MaxCommitments() != 3 {
				t.Fatalf("max commitments %d, want 3", s.MaxCommitments())
			}
			res := s.ProcessNextHeaders(hs[:tc.headers], true)
			if !errors.Is(res.Err, tc.err) {
				t.Fatalf("err %v, want %v", res.Err, tc.err)
			}
			if tc.err != nil && (res.State != Final || res.End != EndAborted) {
				t.Fatalf("state %v end %v after too many commitments", res.State, res.End)
			}
			if tc.err == nil && s.commitments.len() != 3 {
				t.Fatalf("%d commitments, want 3", s.commitments.len())
			}
		})
	}
}

// Headers that do not continue the sync end it; headers that break within
// a message, or fail their own proof of work, are refused as Core's caller
// refuses them, and the sync goes on unharmed.
func TestContinuity(t *testing.T) {
	p, g, start := regtest(t)
	hs := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 30, 0)
	other := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, 10, 1)
	params := Params{CommitmentPeriod: 5, RedownloadBufferSize: 10}

	t.Run("break inside a message", func(t *testing.T) {
		s := newSync(t, p.Consensus, params, start, 1<<40)
		msg := slices.Concat(hs[:5], hs[6:10])
		res := s.ProcessNextHeaders(msg, true)
		var herr *headerchain.HeaderError
		if !errors.As(res.Err, &herr) || !errors.Is(res.Err, headerchain.ErrNotContinuous) || herr.Pos != 5 {
			t.Fatalf("err %v, want non-continuous at 5", res.Err)
		}
		if res.State != Presync || s.PresyncHeight() != 0 {
			t.Fatalf("state %v height %d: the sync changed", res.State, s.PresyncHeight())
		}
		if res := s.ProcessNextHeaders(hs[:10], true); res.Err != nil || s.PresyncHeight() != 10 {
			t.Fatalf("the sync does not go on: %v", res.Err)
		}
	})
	t.Run("bad proof of work", func(t *testing.T) {
		s := newSync(t, p.Consensus, params, start, 1<<40)
		bad := slices.Clone(hs[:3])
		for bad[2].Nonce = 0; headerchain.CheckProofOfWork(bad[2].BlockHash(), bad[2].Bits, p.Consensus); bad[2].Nonce++ {
		}
		res := s.ProcessNextHeaders(bad, true)
		if !errors.Is(res.Err, headerchain.ErrHighHash) || res.State != Presync {
			t.Fatalf("err %v state %v, want high-hash and the sync unchanged", res.Err, res.State)
		}
	})
	t.Run("not connecting in presync", func(t *testing.T) {
		s := newSync(t, p.Consensus, params, start, 1<<40)
		s.ProcessNextHeaders(hs[:10], true)
		res := s.ProcessNextHeaders(hs[11:20], true)
		if !errors.Is(res.Err, ErrNotConnecting) || res.State != Final || res.End != EndAborted {
			t.Fatalf("err %v state %v end %v", res.Err, res.State, res.End)
		}
	})
	t.Run("not connecting in redownload", func(t *testing.T) {
		s := newSync(t, p.Consensus, params, start, 2*30)
		if res := s.ProcessNextHeaders(hs, false); res.State != Redownload {
			t.Fatalf("state %v, want redownload", res.State)
		}
		if res := s.ProcessNextHeaders(hs[:10], true); res.Err != nil {
			t.Fatal(res.Err)
		}
		res := s.ProcessNextHeaders(other[1:], true)
		if !errors.Is(res.Err, ErrNotConnecting) || res.State != Final {
			t.Fatalf("err %v state %v", res.Err, res.State)
		}
	})
	t.Run("empty message", func(t *testing.T) {
		s := newSync(t, p.Consensus, params, start, 1<<40)
		if res := s.ProcessNextHeaders(nil, true); !errors.Is(res.Err, ErrNoHeaders) || res.State != Presync {
			t.Fatalf("err %v state %v", res.Err, res.State)
		}
	})
}

// A network without the min-difficulty exception: bits may change only at
// a period's start and by at most four times; presync and redownload both
// hold to it.
func TestDifficultyTransition(t *testing.T) {
	p, g, start := regtest(t)
	// A 4-block period of 4 seconds, and a limit low enough that Core's
	// arithmetic (the old target times four timespans, in 256 bits) does
	// not wrap: regtest's own limit would, and Core never checks it, as
	// regtest has the min-difficulty exception.
	const (
		limitBits = 0x200fffff
		quarter   = 0x2003ffff // a quarter of the limit, after rounding
	)
	c := p.Consensus
	c.PowAllowMinDifficultyBlocks = false
	c.PowNoRetargeting = false
	c.PowTargetSpacing = time.Second
	c.PowTargetTimespan = 4 * time.Second
	limit, _, _ := headerchain.CompactToTarget(limitBits)
	c.PowLimit = limit.Hash()
	start.Header.Bits = limitBits
	params := Params{CommitmentPeriod: 3, RedownloadBufferSize: 2}

	build := func(changeAt int, bits uint32) []protocol.BlockHeader {
		hs := chainWith(t, c, nil, p.GenesisHash, g.Timestamp, changeAt-1, 0, limitBits)
		prev := hs[len(hs)-1]
		return append(hs, mine(t, c, prev.BlockHash(), prev.Timestamp+1, bits, 0))
	}
	for _, tc := range []struct {
		name     string
		changeAt int
		bits     uint32
		err      error
	}{
		{"quarter at a period start", 4, quarter, nil},
		{"quarter inside a period", 3, quarter, ErrDifficultyTransition},
		{"a 256th at a period start", 4, 0x1f0fffff, ErrDifficultyTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := build(tc.changeAt, tc.bits)
			s := newSync(t, c, params, start, 1<<40)
			res := s.ProcessNextHeaders(hs, true)
			if !errors.Is(res.Err, tc.err) {
				t.Fatalf("presync: err %v, want %v", res.Err, tc.err)
			}
		})
	}
	t.Run("redownload", func(t *testing.T) {
		good := chainWith(t, c, nil, p.GenesisHash, g.Timestamp, 8, 0, limitBits)
		work := start.Work.Add(ClaimedWork(good))
		s := newSync(t, c, params, start, 0)
		s.minWork = work
		if res := s.ProcessNextHeaders(good, false); res.State != Redownload {
			t.Fatalf("state %v err %v, want redownload", res.State, res.Err)
		}
		res := s.ProcessNextHeaders(build(3, quarter), true)
		if !errors.Is(res.Err, ErrDifficultyTransition) || res.State != Final {
			t.Fatalf("err %v state %v", res.Err, res.State)
		}
	})
}

// A redownloaded chain that shares the commitments but has less work runs
// past the last commitment: Core's commitment overrun. The presync chain
// ends with one hard block; the redownload replaces it with easy ones.
func TestCommitmentOverrun(t *testing.T) {
	p, g, start := regtest(t)
	params := Params{CommitmentPeriod: 50, RedownloadBufferSize: 100}
	s := newSync(t, p.Consensus, params, start, 0)
	n := 300
	if int64(n)%50 == s.offset {
		n++
	}
	easy := chain(t, p.Consensus, nil, p.GenesisHash, g.Timestamp, n-1, 0)
	last := easy[len(easy)-1]
	hard := append(slices.Clone(easy), mine(t, p.Consensus, last.BlockHash(), last.Timestamp+1, 0x1f7fffff, 0))
	minWork := headerchain.Uint256{2 * uint64(n)}.Add(headerchain.BlockProof(0x1f7fffff))
	s.minWork = minWork
	if res := s.ProcessNextHeaders(hard, false); res.State != Redownload {
		t.Fatalf("state %v err %v, want redownload", res.State, res.Err)
	}
	longer := chain(t, p.Consensus, slices.Clone(easy), last.BlockHash(), last.Timestamp, 100, 1)
	res := s.ProcessNextHeaders(longer, true)
	if !errors.Is(res.Err, ErrCommitmentOverrun) || res.State != Final {
		t.Fatalf("err %v state %v, want a commitment overrun", res.Err, res.State)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	p, _, start := regtest(t)
	good := Config{Consensus: p.Consensus, Params: Params{CommitmentPeriod: 1}, Start: start, Rand: fixedRand()}
	for _, tc := range []struct {
		name   string
		change func(*Config)
	}{
		{"zero period", func(c *Config) { c.Params.CommitmentPeriod = 0 }},
		{"negative buffer", func(c *Config) { c.Params.RedownloadBufferSize = -1 }},
		{"no randomness", func(c *Config) { c.Rand = nil }},
		{"no consensus", func(c *Config) { c.Consensus = protocol.Consensus{} }},
	} {
		cfg := good
		tc.change(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}

// The commitment offset is below the period and varies with the
// randomness, so a peer cannot know which heights are committed.
func TestCommitmentOffsetIsRandom(t *testing.T) {
	p, _, start := regtest(t)
	seen := map[int64]bool{}
	r := NewRand()
	for range 50 {
		s, err := New(Config{Consensus: p.Consensus, Params: Params{CommitmentPeriod: 641}, Start: start, Rand: r})
		if err != nil {
			t.Fatal(err)
		}
		if s.offset < 0 || s.offset >= 641 {
			t.Fatalf("offset %d out of range", s.offset)
		}
		seen[s.offset] = true
	}
	if len(seen) < 40 {
		t.Fatalf("only %d offsets in 50 syncs", len(seen))
	}
}
