package presync

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// MaxBlocksPerSecond is the fastest a chain can grow under the median time
// past rule: six blocks a second (Core's 6 in HeadersSyncState's bound on
// commitments).
const MaxBlocksPerSecond = 6

// State is the phase of a sync (Core's HeadersSyncState::State).
type State uint8

const (
	// Presync: the peer has not yet shown enough work; only commitments to
	// its chain are kept (Core's PRESYNC).
	Presync State = iota
	// Redownload: the peer's chain showed enough work; it is downloaded
	// again from the start, checked against the commitments, and released
	// once enough commitments are verified on top (Core's REDOWNLOAD).
	Redownload
	// Final: the sync is over and holds no memory; drop it (Core's FINAL).
	Final
)

// String names the state as Core's logs do.
func (s State) String() string {
	switch s {
	case Presync:
		return "presync"
	case Redownload:
		return "redownload"
	case Final:
		return "final"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// End says why a sync reached Final.
type End uint8

const (
	// EndNone: the sync has not ended.
	EndNone End = iota
	// EndComplete: the redownload reached the work presync had seen and
	// every header was released (Core: "initial headers sync complete").
	EndComplete
	// EndLowWork: in presync the peer sent a headers message that was not
	// full, so its chain ends below the threshold; nothing is released
	// (Core: "incomplete headers message ... presync phase").
	EndLowWork
	// EndStopped: in redownload the peer sent a headers message that was
	// not full before reaching the threshold again; what this message made
	// ready is released, the rest dropped (Core: "incomplete headers
	// message ... redownload phase").
	EndStopped
	// EndAborted: the peer's headers broke a rule of the sync; Result.Err
	// says which.
	EndAborted
)

// String names the end.
func (e End) String() string {
	switch e {
	case EndNone:
		return "none"
	case EndComplete:
		return "complete"
	case EndLowWork:
		return "low-work"
	case EndStopped:
		return "stopped"
	case EndAborted:
		return "aborted"
	}
	return fmt.Sprintf("End(%d)", uint8(e))
}

// Rand is the randomness a sync is given: two words of salt for the
// commitment hash and the commitment offset. It must be unpredictable to
// peers (a ChaCha8 seeded from crypto/rand, as NewRand returns).
type Rand interface {
	Uint64() uint64
}

// Config is what New needs.
type Config struct {
	// Consensus is the network's rules: the proof-of-work limit and
	// PermittedDifficultyTransition's period and timespan.
	Consensus protocol.Consensus
	// Params are the network's memory parameters (NetworkParams).
	Params Params
	// Start is the header of our index the peer's chain builds on.
	Start Start
	// MinimumWork is the chain work the peer's chain must reach, normally
	// AntiDoSThreshold at the time the sync starts.
	MinimumWork headerchain.Uint256
	// Now is the local clock when the sync starts; it bounds the number of
	// commitments.
	Now time.Time
	// Rand gives the salt and the commitment offset.
	Rand Rand
}

// Result is what ProcessNextHeaders did with one headers message (Core's
// ProcessingResult, plus the locator and why the sync ended).
type Result struct {
	// Headers are headers ready for the index, in chain order, the first
	// building on Start or on the last header released before: they are on
	// a chain with enough work, so the caller adds them with its anti-DoS
	// check skipped (Core's pow_validated_headers, then
	// already_validated_work).
	Headers []protocol.BlockHeader
	// RequestMore: send the peer a getheaders with Locator (Core's
	// request_more).
	RequestMore bool
	// Locator is NextHeadersRequestLocator when RequestMore is set.
	Locator []protocol.Hash
	// State is the sync's state after the message.
	State State
	// End says why the sync ended when State is Final.
	End End
	// Err is nil on success (Core's success). Otherwise Headers is empty
	// and either the sync ended (End is EndAborted, Err one of this
	// package's errors) or, for a *headerchain.HeaderError wrapping
	// headerchain.ErrHighHash or ErrNotContinuous, the message was refused
	// before the sync looked at it and the sync is unchanged.
	Err error
}

// Sync is one peer's headers sync through presync and redownload (Core's
// HeadersSyncState). It is sans-IO and not safe for concurrent use; the
// chain actor keeps one per peer that is serving a low-work chain.
type Sync struct {
	consensus protocol.Consensus
	params    Params
	start     Start
	minWork   headerchain.Uint256
	hasher    saltedHasher
	// offset is the secret height offset of commitments: a commitment is
	// kept at every height h with h % CommitmentPeriod == offset (Core's
	// m_commit_offset).
	offset         int64
	commitments    bitQueue
	maxCommitments int64

	// Presync: the last header received, its hash and height, and the
	// work of the chain up to it.
	last       protocol.BlockHeader
	lastHash   protocol.Hash
	height     int64
	work       headerchain.Uint256
	presyncPow proofCache

	// Redownload: the buffer of headers not yet released, the height,
	// hash and bits of its last header, the hash the first one builds on,
	// and the work of the redownloaded chain.
	buffer       headerRing
	bufHeight    int64
	bufLastHash  protocol.Hash
	bufLastBits  uint32
	bufFirstPrev protocol.Hash
	bufWork      headerchain.Uint256
	// releaseAll is set once the redownloaded chain has the minimum work:
	// every buffered header may then be released (Core's
	// m_process_all_remaining_headers).
	releaseAll bool
	reloadPow  proofCache

	state State
	end   End
}

// New starts a sync from cfg.Start in Presync. The number of commitments
// it will keep is bounded by the blocks the chain can have had time to
// grow since the start's median time past, plus MaxFutureBlockTime, at
// MaxBlocksPerSecond.
func New(cfg Config) (*Sync, error) {
	p := cfg.Params
	if p.CommitmentPeriod <= 0 || p.RedownloadBufferSize < 0 {
		return nil, fmt.Errorf("headers sync: parameters %+v: commitment period must be positive and buffer size not negative", p)
	}
	if cfg.Rand == nil {
		return nil, errors.New("headers sync: no randomness given")
	}
	if cfg.Consensus.PowTargetSpacing <= 0 || cfg.Consensus.PowTargetTimespan < cfg.Consensus.PowTargetSpacing {
		return nil, errors.New("headers sync: consensus rules: spacing or timespan unset")
	}
	s := &Sync{
		consensus: cfg.Consensus,
		params:    p,
		start:     cfg.Start,
		minWork:   cfg.MinimumWork,
		offset:    int64(uniform(cfg.Rand, uint64(p.CommitmentPeriod))),
		last:      cfg.Start.Header,
		lastHash:  cfg.Start.Hash,
		height:    int64(cfg.Start.Height),
		work:      cfg.Start.Work,
		buffer:    headerRing{limit: p.RedownloadBufferSize + headerchain.MaxHeadersResults},
	}
	k0, k1 := cfg.Rand.Uint64(), cfg.Rand.Uint64()
	s.hasher = newSaltedHasher(k0, k1)
	seconds := cfg.Now.Unix() - cfg.Start.MedianTimePast + int64(headerchain.MaxFutureBlockTime/time.Second)
	s.maxCommitments = max(0, MaxBlocksPerSecond*seconds/int64(p.CommitmentPeriod))
	return s, nil
}

// uniform returns a uniform number below n (Core's randrange), by
// rejecting the few values that would bias a plain modulo.
func uniform(r Rand, n uint64) uint64 {
	floor := -n % n // 2^64 mod n
	for {
		if v := r.Uint64(); v >= floor {
			return v % n
		}
	}
}

// State returns the sync's phase.
func (s *Sync) State() State { return s.state }

// PresyncHeight returns the height presync has reached (Core's
// GetPresyncHeight), for progress reports; 0 once Final.
func (s *Sync) PresyncHeight() int64 { return s.height }

// PresyncTime returns the time of the last header presync received (Core's
// GetPresyncTime).
func (s *Sync) PresyncTime() uint32 { return s.last.Timestamp }

// PresyncWork returns the chain work presync has seen (Core's
// GetPresyncWork); Core ranks peers' syncs by it.
func (s *Sync) PresyncWork() headerchain.Uint256 { return s.work }

// MaxCommitments returns the most commitments this sync will keep before
// aborting with ErrTooManyCommitments.
func (s *Sync) MaxCommitments() int64 { return s.maxCommitments }

// MemoryUsage returns the bytes the sync holds: the struct, the
// commitments, the redownload buffer and the start's locator.
func (s *Sync) MemoryUsage() int {
	return int(unsafe.Sizeof(*s)) + s.commitments.bytes() + s.buffer.bytes() +
		int(unsafe.Sizeof(protocol.Hash{}))*cap(s.start.Locator)
}

// NextHeadersRequestLocator returns the locator of the next getheaders to
// the peer (Core's NextHeadersRequestLocator): the last header received in
// presync, or the last one buffered in redownload (the start, at first),
// followed by the start's locator. It is nil once Final.
func (s *Sync) NextHeadersRequestLocator() []protocol.Hash {
	var first protocol.Hash
	switch s.state {
	case Presync:
		first = s.lastHash
	case Redownload:
		first = s.bufLastHash
	default:
		return nil
	}
	loc := make([]protocol.Hash, 0, 1+len(s.start.Locator))
	loc = append(loc, first)
	return append(loc, s.start.Locator...)
}

// ProcessNextHeaders takes the next headers message from the peer; full
// says it had MaxHeadersResults headers, so the peer may have more (Core's
// ProcessNextHeaders).
//
// First, as Core's caller does before a sync sees the headers, it checks
// each header's proof of work against its own bits and that each builds on
// the one before; a failure is returned as a *headerchain.HeaderError with
// the sync unchanged, and Core punishes the peer for it (Misbehaving).
//
// In Presync the first header must build on the last one received; each
// header's bits must be a permitted transition from its parent's; every
// CommitmentPeriod-th header (at the secret offset) adds one salted bit to
// the commitments, and more than MaxCommitments aborts. Once the whole
// message is taken, if the chain's work reaches MinimumWork the sync moves
// to Redownload and asks for the chain again from the start; otherwise a
// full message asks for more and a short one ends the sync (EndLowWork).
//
// In Redownload each header must build on the last one buffered and pass
// the same bits rule; at each commitment height its bit must match the one
// stored (unless the redownloaded chain already has MinimumWork: the peer's
// chain may have grown since presync). Headers are buffered; those beyond
// RedownloadBufferSize, or all of them once MinimumWork is reached, are
// released in Headers. The sync completes when the buffer empties after
// MinimumWork; otherwise a full message asks for more and a short one ends
// the sync (EndStopped) after releasing what was ready.
//
// Any other failure ends the sync with Err set and nothing released: Core
// does not punish it, and lets the message take the ordinary path.
func (s *Sync) ProcessNextHeaders(hs []protocol.BlockHeader, full bool) Result {
	if len(hs) == 0 {
		return Result{State: s.state, End: s.end, Err: ErrNoHeaders}
	}
	if s.state == Final {
		return Result{State: s.state, End: s.end, Err: ErrFinished}
	}
	lastHash, herr := s.checkMessage(hs)
	if herr != nil {
		return Result{State: s.state, Err: herr}
	}
	var res Result
	switch s.state {
	case Presync:
		if err := s.presync(hs, lastHash); err != nil {
			return s.abort(err)
		}
		if full || s.state == Redownload {
			res.RequestMore = true
		} else {
			s.finish(EndLowWork)
		}
	case Redownload:
		if err := s.redownload(hs, lastHash); err != nil {
			return s.abort(err)
		}
		res.Headers = s.popReady()
		switch {
		case s.buffer.len() == 0 && s.releaseAll:
			s.finish(EndComplete)
		case full:
			res.RequestMore = true
		default:
			s.finish(EndStopped)
		}
	}
	if res.RequestMore {
		res.Locator = s.NextHeadersRequestLocator()
	}
	res.State, res.End = s.state, s.end
	return res
}

// checkMessage checks every header's own proof of work and the links
// between them (Core's CheckHeadersPoW), and returns the last one's hash.
func (s *Sync) checkMessage(hs []protocol.BlockHeader) (protocol.Hash, *headerchain.HeaderError) {
	var hash protocol.Hash
	for i := range hs {
		hash = hs[i].BlockHash()
		if !headerchain.CheckProofOfWork(hash, hs[i].Bits, s.consensus) {
			return hash, &headerchain.HeaderError{Pos: i, Hash: hash, Height: -1, Err: headerchain.ErrHighHash,
				Detail: fmt.Sprintf("bits %#08x", hs[i].Bits)}
		}
		if i+1 < len(hs) && hs[i+1].PrevBlock != hash {
			return hash, &headerchain.HeaderError{Pos: i + 1, Hash: hs[i+1].BlockHash(), Height: -1, Err: headerchain.ErrNotContinuous}
		}
	}
	return hash, nil
}

// hashAt returns the hash of hs[i], known without hashing again once
// checkMessage has passed: the next header's PrevBlock, or lastHash.
func hashAt(hs []protocol.BlockHeader, i int, lastHash *protocol.Hash) *protocol.Hash {
	if i+1 < len(hs) {
		return &hs[i+1].PrevBlock
	}
	return lastHash
}

// presync takes a message in Presync (Core's
// ValidateAndStoreHeadersCommitments and ValidateAndProcessSingleHeader).
func (s *Sync) presync(hs []protocol.BlockHeader, lastHash protocol.Hash) error {
	if hs[0].PrevBlock != s.lastHash {
		return fmt.Errorf("presync at height %d: %w", s.height, ErrNotConnecting)
	}
	period := int64(s.params.CommitmentPeriod)
	for i := range hs {
		h := &hs[i]
		next := s.height + 1
		if !headerchain.PermittedDifficultyTransition(s.consensus, next, s.last.Bits, h.Bits) {
			return fmt.Errorf("presync at height %d: bits %#08x after %#08x: %w", next, h.Bits, s.last.Bits, ErrDifficultyTransition)
		}
		if next%period == s.offset {
			s.commitments.push(s.hasher.bit(hashAt(hs, i, &lastHash)))
			if int64(s.commitments.len()) > s.maxCommitments {
				return fmt.Errorf("presync at height %d: more than %d commitments: %w", next, s.maxCommitments, ErrTooManyCommitments)
			}
		}
		s.work = s.work.Add(s.presyncPow.proof(h.Bits))
		s.last = *h
		s.height = next
	}
	s.lastHash = lastHash
	if s.work.Cmp(s.minWork) >= 0 {
		s.state = Redownload
		s.buffer.n, s.buffer.head = 0, 0
		s.bufHeight = int64(s.start.Height)
		s.bufLastHash = s.start.Hash
		s.bufLastBits = s.start.Header.Bits
		s.bufFirstPrev = s.start.Hash
		s.bufWork = s.start.Work
	}
	return nil
}

// redownload buffers a message in Redownload (Core's
// ValidateAndStoreRedownloadedHeader).
func (s *Sync) redownload(hs []protocol.BlockHeader, lastHash protocol.Hash) error {
	period := int64(s.params.CommitmentPeriod)
	for i := range hs {
		h := &hs[i]
		next := s.bufHeight + 1
		if h.PrevBlock != s.bufLastHash {
			return fmt.Errorf("redownload at height %d: %w", next, ErrNotConnecting)
		}
		if !headerchain.PermittedDifficultyTransition(s.consensus, next, s.bufLastBits, h.Bits) {
			return fmt.Errorf("redownload at height %d: bits %#08x after %#08x: %w", next, h.Bits, s.bufLastBits, ErrDifficultyTransition)
		}
		s.bufWork = s.bufWork.Add(s.reloadPow.proof(h.Bits))
		if s.bufWork.Cmp(s.minWork) >= 0 {
			s.releaseAll = true
		}
		hash := hashAt(hs, i, &lastHash)
		if !s.releaseAll && next%period == s.offset {
			if s.commitments.len() == 0 {
				return fmt.Errorf("redownload at height %d: %w", next, ErrCommitmentOverrun)
			}
			if s.hasher.bit(hash) != s.commitments.pop() {
				return fmt.Errorf("redownload at height %d: %w", next, ErrCommitmentMismatch)
			}
		}
		s.buffer.push(compress(h))
		s.bufHeight = next
		s.bufLastHash = *hash
		s.bufLastBits = h.Bits
	}
	return nil
}

// popReady releases the buffered headers that have enough commitments
// verified on top, or all of them once the chain has the minimum work
// (Core's PopHeadersReadyForAcceptance).
func (s *Sync) popReady() []protocol.BlockHeader {
	n := s.buffer.len() - s.params.RedownloadBufferSize
	if s.releaseAll {
		n = s.buffer.len()
	}
	if n <= 0 {
		return nil
	}
	out := make([]protocol.BlockHeader, n)
	for i := range out {
		out[i] = s.buffer.front().full(s.bufFirstPrev)
		s.buffer.popFront()
		s.bufFirstPrev = out[i].BlockHash()
	}
	return out
}

// abort ends the sync after a failure.
func (s *Sync) abort(err error) Result {
	s.finish(EndAborted)
	return Result{State: s.state, End: s.end, Err: err}
}

// finish frees the sync's memory and makes it Final (Core's Finalize).
func (s *Sync) finish(end End) {
	s.commitments.release()
	s.buffer.release()
	s.last = protocol.BlockHeader{}
	s.lastHash = protocol.Hash{}
	s.bufLastHash = protocol.Hash{}
	s.bufFirstPrev = protocol.Hash{}
	s.releaseAll = false
	s.height = 0
	s.start.Locator = nil
	s.state = Final
	s.end = end
}
