package headerchain

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
)

// readHeaders reads a testdata file of consecutive 80-byte headers.
func readHeaders(t testing.TB, name string) []protocol.BlockHeader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%protocol.BlockHeaderSize != 0 {
		t.Fatalf("%s: %d bytes, not whole headers", name, len(b))
	}
	hs := make([]protocol.BlockHeader, 0, len(b)/protocol.BlockHeaderSize)
	for off := 0; off < len(b); off += protocol.BlockHeaderSize {
		h, err := protocol.ParseBlockHeader(b[off:])
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return hs
}

// addAll adds hs in headers messages of at most MaxHeadersResults, with
// the clock at the last header's time.
func addAll(t testing.TB, ix *Index, hs []protocol.BlockHeader) {
	t.Helper()
	now := time.Unix(int64(hs[len(hs)-1].Timestamp), 0)
	for len(hs) > 0 {
		n := min(len(hs), MaxHeadersResults)
		res, err := ix.Add(hs[:n], now)
		if err != nil {
			t.Fatalf("add: %v (result %+v)", err, res)
		}
		if res.Accepted != n || res.Added != n {
			t.Fatalf("accepted %d added %d of %d", res.Accepted, res.Added, n)
		}
		hs = hs[n:]
	}
}

// TestRealHeaders adds the first headers of every public network from
// genesis and checks the tip.
func TestRealHeaders(t *testing.T) {
	for _, tc := range []struct {
		network string
		file    string
		first   int32 // height of the file's first header
	}{
		// Through the first retarget at 2016, which keeps 0x1d00ffff (the
		// period took longer than two weeks, and the limit caps it).
		{network: protocol.NameMainnet, file: "mainnet-000000-002020.bin", first: 0},
		{network: protocol.NameTestnet3, file: "testnet3-000000-004250.bin", first: 0},
		{network: protocol.NameTestnet4, file: "testnet4-000001-000002.bin", first: 1},
		{network: protocol.NameSignet, file: "signet-000001-000010.bin", first: 1},
	} {
		t.Run(tc.network, func(t *testing.T) {
			p := network(t, tc.network)
			hs := readHeaders(t, tc.file)
			if tc.first == 0 {
				if hs[0].BlockHash() != p.GenesisHash {
					t.Fatalf("file starts with %s, not genesis", hs[0].BlockHash())
				}
				hs = hs[1:]
			}
			ix, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			addAll(t, ix, hs)
			tip := ix.Tip()
			if want := int32(len(hs)); tip.Height != want {
				t.Errorf("tip height %d, want %d", tip.Height, want)
			}
			if tip.Hash != hs[len(hs)-1].BlockHash() {
				t.Errorf("tip %s is not the file's last header", tip.Hash)
			}
			t.Logf("%s tip %s at %d", tc.network, tip.Hash, tip.Height)
		})
	}
}

// rootedAt returns an index rooted at the first header of a testdata file
// whose first header is at height first, the start of a difficulty period,
// and the rest of the file's headers.
func rootedAt(t *testing.T, net, file string, first int32) (*Index, []protocol.BlockHeader) {
	t.Helper()
	hs := readHeaders(t, file)
	ix, err := newIndexAt(network(t, net).Consensus, &hs[0], first)
	if err != nil {
		t.Fatal(err)
	}
	return ix, hs[1:]
}

// requiredBits returns the bits the index requires of h as a child of its
// tip.
func requiredBits(ix *Index, h protocol.BlockHeader) uint32 {
	return ix.nextWorkRequired(ix.tip(), &h)
}

// TestMainnetFirstRetarget checks real mainnet headers 30241 to 32259:
// the first difficulty change, at 32256, from 0x1d00ffff to 0x1d00d86a.
func TestMainnetFirstRetarget(t *testing.T) {
	ix, hs := rootedAt(t, protocol.NameMainnet, "mainnet-030240-032259.bin", 30240)
	const retarget = 32256
	before, after := hs[:retarget-30241], hs[retarget-30241:]
	addAll(t, ix, before)
	if got := requiredBits(ix, after[0]); got != 0x1d00d86a {
		t.Fatalf("bits required at %d: %#08x, want 0x1d00d86a", retarget, got)
	}
	if after[0].Bits != 0x1d00d86a {
		t.Fatalf("block %d has bits %#08x", retarget, after[0].Bits)
	}
	if got := after[0].BlockHash().String(); got != "000000004f2886a170adb7204cb0c7a824217dd24d11a74423d564c4e0904967" {
		t.Fatalf("block %d hash %s", retarget, got)
	}
	// The retarget block claiming the old bits changes its hash, so it
	// fails its proof of work first; the bits rule itself is the check
	// above. After it, bits must stay.
	addAll(t, ix, after)
	if tip := ix.Tip(); tip.Height != 32259 {
		t.Fatalf("tip height %d", tip.Height)
	}
	next := protocol.BlockHeader{Timestamp: hs[len(hs)-1].Timestamp + 600, Bits: 0x1d00ffff}
	if got := requiredBits(ix, next); got != 0x1d00d86a {
		t.Errorf("bits required inside the period: %#08x", got)
	}
}

// TestTestnet3MinDifficulty checks real testnet3 headers 1 to 4250: the
// retarget at 4032 (to 0x1c3fffc0), then 176 blocks mined under the
// 20-minute rule, then at 4209 a block back at the period's difficulty,
// found by walking back over them.
func TestTestnet3MinDifficulty(t *testing.T) {
	ix, err := New(network(t, protocol.NameTestnet3))
	if err != nil {
		t.Fatal(err)
	}
	hs := readHeaders(t, "testnet3-000000-004250.bin")
	at := func(height int) protocol.BlockHeader { return hs[height] }
	upTo := func(height int) { addAll(t, ix, hs[ix.Tip().Height+1:height]) }

	upTo(2016)
	// The first period took far longer than two weeks: the limit holds.
	if got := requiredBits(ix, at(2016)); got != 0x1d00ffff {
		t.Fatalf("bits at 2016: required %#08x", got)
	}
	upTo(4032) // 2016..4031
	if got := requiredBits(ix, at(4032)); got != 0x1c3fffc0 || at(4032).Bits != got {
		t.Fatalf("bits at 4032: required %#08x, header %#08x", got, at(4032).Bits)
	}
	upTo(4033)
	// 4033 came 1201 s after 4032: more than twice the spacing, so the
	// easiest difficulty.
	h := at(4033)
	if h.Timestamp-at(4032).Timestamp != 1201 || requiredBits(ix, h) != 0x1d00ffff {
		t.Fatalf("4033: gap %d, required %#08x", h.Timestamp-at(4032).Timestamp, requiredBits(ix, h))
	}
	// One second earlier and it would have needed the period's bits.
	h.Timestamp--
	if got := requiredBits(ix, h); got != 0x1c3fffc0 {
		t.Fatalf("4033 at 1200 s: required %#08x, want 0x1c3fffc0", got)
	}
	upTo(4209)
	if got := requiredBits(ix, at(4209)); got != 0x1c3fffc0 || at(4209).Bits != got {
		t.Fatalf("bits at 4209: required %#08x, header %#08x", got, at(4209).Bits)
	}
	upTo(4251)
	last := at(4250)
	if tip := ix.Tip(); tip.Height != 4250 || tip.Hash != last.BlockHash() {
		t.Fatalf("tip %+v", tip)
	}
}

// TestRealTransitionsPermitted: every bits change in the real mainnet
// headers passes Core's PermittedDifficultyTransition, which headers
// presync relies on.
func TestRealTransitionsPermitted(t *testing.T) {
	c := network(t, protocol.NameMainnet).Consensus
	for _, f := range []struct {
		file  string
		first int64
	}{
		{file: "mainnet-000000-002020.bin", first: 0},
		{file: "mainnet-030240-032259.bin", first: 30240},
	} {
		hs := readHeaders(t, f.file)
		for i := 1; i < len(hs); i++ {
			height := f.first + int64(i)
			if !PermittedDifficultyTransition(c, height, hs[i-1].Bits, hs[i].Bits) {
				t.Errorf("%s: height %d: %#08x -> %#08x not permitted", f.file, height, hs[i-1].Bits, hs[i].Bits)
			}
		}
	}
}
