package headerchain

import (
	"errors"
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// Why a header is refused. Each carries Core's reject reason; the comment
// says how Core's net_processing treats the peer that sent it.
var (
	// ErrHighHash: the hash does not meet the target the bits claim, or the
	// bits are not a target the network allows ("high-hash"; Core:
	// Misbehaving "header with invalid proof of work").
	ErrHighHash = errors.New("high-hash: proof of work failed")
	// ErrNotContinuous: a header of a headers message does not build on
	// the one before it (Core: Misbehaving "non-continuous headers
	// sequence").
	ErrNotContinuous = errors.New("non-continuous headers sequence")
	// ErrPrevNotFound: the parent is unknown ("prev-blk-not-found"; Core
	// answers with a getheaders from its tip rather than punishing, and
	// counts unconnecting messages).
	ErrPrevNotFound = errors.New("prev-blk-not-found")
	// ErrBadDiffBits: the bits differ from what the difficulty rules
	// require ("bad-diffbits"; Core: Misbehaving).
	ErrBadDiffBits = errors.New("bad-diffbits: incorrect proof of work")
	// ErrTimeTooOld: the time is not after the median of the last 11
	// blocks ("time-too-old"; Core: Misbehaving).
	ErrTimeTooOld = errors.New("time-too-old: block's timestamp is too early")
	// ErrTimewarp: under BIP94, a period's first block is more than
	// MaxTimewarp older than its parent ("time-timewarp-attack"; Core:
	// Misbehaving).
	ErrTimewarp = errors.New("time-timewarp-attack: block's timestamp is too early on diff adjustment block")
	// ErrTimeTooNew: the time is more than MaxFutureBlockTime after now
	// ("time-too-new"; Core does not punish it and may accept the header
	// later).
	ErrTimeTooNew = errors.New("time-too-new: block timestamp too far in the future")
	// ErrBadVersion: the version is below what BIP34, BIP66 or BIP65
	// require at this height ("bad-version(0x...)"; Core: Misbehaving).
	ErrBadVersion = errors.New("bad-version: rejected nVersion")
	// ErrDuplicate: Restore was given a header the index holds already;
	// its Source holds each header once.
	ErrDuplicate = errors.New("header already in the index")
	// ErrIndexFull: the index holds as many headers as a 32-bit position
	// can name.
	ErrIndexFull = errors.New("header index full")
)

// HeaderError says which header was refused and why. errors.Is matches
// its Err against the sentinels above.
type HeaderError struct {
	// Pos is the header's position in the slice given to Add (0 for
	// Restore).
	Pos int
	// Hash is the header's hash.
	Hash protocol.Hash
	// Height is the height the header would have had, or -1 when its
	// parent is unknown or it was refused before that was looked up.
	Height int32
	// Err is one of the sentinels.
	Err error
	// Detail adds values to Err (the bits wanted, the version refused).
	Detail string
}

// Error implements error.
func (e *HeaderError) Error() string {
	s := fmt.Sprintf("header %d (%s, height %d): %v", e.Pos, e.Hash, e.Height, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel.
func (e *HeaderError) Unwrap() error { return e.Err }
