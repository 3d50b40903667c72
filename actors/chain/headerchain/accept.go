package headerchain

import (
	"fmt"
	"slices"
	"time"

	"github.com/actornode/actornode/protocol"
)

// Limits on header times, as Core names them.
const (
	// MaxFutureBlockTime is how far past now a header's time may be (Core's
	// MAX_FUTURE_BLOCK_TIME).
	MaxFutureBlockTime = 2 * time.Hour
	// MaxTimewarp is how much older than its parent a period's first block
	// may be under BIP94 (Core's MAX_TIMEWARP).
	MaxTimewarp = 10 * time.Minute
	// MedianTimeSpan is the number of blocks whose median time a new block
	// must be after (Core's nMedianTimeSpan).
	MedianTimeSpan = 11
)

// Result says what Add did with a headers message.
type Result struct {
	// Accepted is how many headers, from the first, are now in the index:
	// known before or added. On error it is the refused header's position.
	Accepted int
	// Added is how many of those are new: hs[Accepted-Added:Accepted]
	// (once one header is new, every later one is). Add has appended
	// these to the index's Source.
	Added int
	// Last is the last accepted header (zero when Accepted is 0): what the
	// peer that sent them is known to have.
	Last BlockRef
	// Tip describes the change of best chain, or is nil when the tip did not
	// move.
	Tip *TipChange
}

// Add verifies a run of headers, such as a headers message, and adds the
// new ones. As Core does, it first checks every header's proof of work
// against its own bits and that each builds on the one before, refusing
// the whole run otherwise; then it checks and adds them one by one (Core's
// ProcessNewBlockHeaders), stopping at the first refused one, whose
// *HeaderError it returns with the Result of those before it. A header
// already in the index is accepted again without checks. now is the local
// clock for the future-time rule. The new headers go to the index's Source,
// in the order they were added.
func (ix *Index) Add(hs []protocol.BlockHeader, now time.Time) (Result, error) {
	var res Result
	if len(hs) == 0 {
		return res, nil
	}
	ix.hashes = slices.Grow(ix.hashes[:0], len(hs))[:len(hs)]
	for i := range hs {
		ix.hashes[i] = hs[i].BlockHash()
		if !checkProofOfWork(ix.hashes[i], hs[i].Bits, ix.rules.powLimit) {
			return res, &HeaderError{Pos: i, Hash: ix.hashes[i], Height: -1, Err: ErrHighHash,
				Detail: fmt.Sprintf("bits %#08x", hs[i].Bits)}
		}
	}
	for i := 1; i < len(hs); i++ {
		if hs[i].PrevBlock != ix.hashes[i-1] {
			return res, &HeaderError{Pos: i, Hash: ix.hashes[i], Height: -1, Err: ErrNotContinuous}
		}
	}

	oldTip := ix.tip()
	var err error
	for i := range hs {
		pos, added, herr := ix.accept(&hs[i], &ix.hashes[i], now, true)
		if herr != nil {
			herr.Pos = i
			err = herr
			break
		}
		res.Accepted++
		if added {
			res.Added++
		}
		res.Last = ix.ref(pos)
	}
	if res.Added > 0 {
		ix.src.Append(hs[res.Accepted-res.Added : res.Accepted])
	}
	if newTip := ix.tip(); newTip != oldTip {
		res.Tip = ix.tipChange(oldTip, newTip)
	}
	return res, err
}

// Restore adds one header read back from the index's Source, which holds
// it already: the header of the next entry, so it appends nothing. It
// checks the header as Add does except against the clock: the future-time
// rule is about when a header arrives (Core does not cache it as invalid),
// and it was met when the header was first accepted. A header the index
// holds already is refused (ErrDuplicate): the Source has each header once,
// and a second record of it would shift every later record off its entry.
func (ix *Index) Restore(h *protocol.BlockHeader) error {
	hash := h.BlockHash()
	if !checkProofOfWork(hash, h.Bits, ix.rules.powLimit) {
		return &HeaderError{Hash: hash, Height: -1, Err: ErrHighHash, Detail: fmt.Sprintf("bits %#08x", h.Bits)}
	}
	if ix.Contains(hash) {
		return &HeaderError{Hash: hash, Height: -1, Err: ErrDuplicate}
	}
	if _, _, herr := ix.accept(h, &hash, time.Time{}, false); herr != nil {
		return herr
	}
	return nil
}

// accept checks one header whose own proof of work was checked, and adds it
// when it is new (Core's AcceptBlockHeader and ContextualCheckBlockHeader).
// It returns the header's position and whether it was added.
func (ix *Index) accept(h *protocol.BlockHeader, hash *protocol.Hash, now time.Time, checkClock bool) (uint32, bool, *HeaderError) {
	if pos, ok := ix.table.find(hash, &ix.entries); ok {
		return pos, false, nil
	}
	parent, ok := ix.table.find(&h.PrevBlock, &ix.entries)
	if !ok {
		return 0, false, &HeaderError{Hash: *hash, Height: -1, Err: ErrPrevNotFound,
			Detail: "prev " + h.PrevBlock.String()}
	}
	if err := ix.contextualCheck(h, parent, now, checkClock); err != nil {
		err.Hash = *hash
		return 0, false, err
	}
	if ix.entries.n >= none {
		return 0, false, &HeaderError{Hash: *hash, Height: -1, Err: ErrIndexFull}
	}
	p := ix.entries.at(parent)
	w := p.work.add(ix.proof(h.Bits))
	pos := ix.entries.push(entry{
		hash:   *hash,
		work:   w,
		parent: parent,
		height: p.height + 1,
		time:   h.Timestamp,
		bits:   h.Bits,
	})
	ix.table.insert(pos, &ix.entries)
	// Most work wins; on a tie the header seen first stays (Core replaces
	// m_best_header only on strictly more work).
	if w.cmp(ix.entries.at(ix.tip()).work) > 0 {
		ix.setTip(pos)
	}
	return pos, true, nil
}

// contextualCheck applies the rules that need the parent (Core's
// ContextualCheckBlockHeader), in Core's order.
func (ix *Index) contextualCheck(h *protocol.BlockHeader, parent uint32, now time.Time, checkClock bool) *HeaderError {
	p := ix.entries.at(parent)
	height := p.height + 1
	fail := func(err error, detail string) *HeaderError {
		return &HeaderError{Height: height, Err: err, Detail: detail}
	}

	if want := ix.nextWorkRequired(parent, h); h.Bits != want {
		return fail(ErrBadDiffBits, fmt.Sprintf("bits %#08x, want %#08x", h.Bits, want))
	}
	if mtp := ix.medianTimePast(parent); int64(h.Timestamp) <= mtp {
		return fail(ErrTimeTooOld, fmt.Sprintf("time %d, median time past %d", h.Timestamp, mtp))
	}
	if ix.rules.bip94 && height%ix.rules.interval == 0 {
		if int64(h.Timestamp) < int64(p.time)-int64(MaxTimewarp/time.Second) {
			return fail(ErrTimewarp, fmt.Sprintf("time %d, parent's %d", h.Timestamp, p.time))
		}
	}
	if checkClock {
		if limit := now.Add(MaxFutureBlockTime).Unix(); int64(h.Timestamp) > limit {
			return fail(ErrTimeTooNew, fmt.Sprintf("time %d, limit %d", h.Timestamp, limit))
		}
	}
	r := &ix.rules
	if (h.Version < 2 && height >= r.bip34) || (h.Version < 3 && height >= r.bip66) || (h.Version < 4 && height >= r.bip65) {
		return fail(ErrBadVersion, fmt.Sprintf("bad-version(0x%08x)", uint32(h.Version)))
	}
	return nil
}

// medianTimePast returns the median time of the entry at pos and up to ten
// of its ancestors (Core's GetMedianTimePast).
func (ix *Index) medianTimePast(pos uint32) int64 {
	var times [MedianTimeSpan]int64
	n := 0
	for ; n < MedianTimeSpan && pos != none; n++ {
		e := ix.entries.at(pos)
		times[n] = int64(e.time)
		pos = e.parent
	}
	s := times[:n]
	slices.Sort(s)
	return s[n/2]
}

// nextWorkRequired returns the bits a child of the entry at parent must have
// (Core's GetNextWorkRequired).
func (ix *Index) nextWorkRequired(parent uint32, h *protocol.BlockHeader) uint32 {
	r := &ix.rules
	last := ix.entries.at(parent)
	if (last.height+1)%r.interval != 0 {
		if r.allowMin {
			// Testnet: a block more than twice the spacing after its parent
			// may (must, if it claims it) be of the easiest difficulty.
			if int64(h.Timestamp) > int64(last.time)+2*r.spacing {
				return r.powLimitBits
			}
			// Otherwise the bits of the last block not mined under that
			// exception, or of the period's first block.
			pos := parent
			for {
				e := ix.entries.at(pos)
				if e.parent == none || e.height%r.interval == 0 || e.bits != r.powLimitBits {
					return e.bits
				}
				pos = e.parent
			}
		}
		return last.bits
	}
	// The period's first block is interval-1 back from its last, so the
	// time measured spans interval-1 gaps, not interval: Core's off-by-one,
	// which is consensus now.
	first := ix.entries.at(ix.ancestor(parent, last.height-(r.interval-1)))
	return r.calculateNextWork(Period{
		FirstTime: int64(first.time),
		FirstBits: first.bits,
		LastTime:  int64(last.time),
		LastBits:  last.bits,
	})
}
