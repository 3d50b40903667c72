package presync

import "errors"

// Why a sync ends without success (Core's ProcessingResult.success false).
// None of them is the peer's fault by Core's rules: Core logs them, drops
// the sync, and lets the headers take the ordinary path (they may start a
// new sync from another start). The two checks Core's caller makes before
// a sync sees the headers, and punishes, come back as headerchain's
// ErrHighHash and ErrNotContinuous (see Sync.ProcessNextHeaders).
var (
	// ErrNotConnecting: the first header does not build on the last one
	// the sync has ("non-continuous headers"; perhaps the peer reorged).
	ErrNotConnecting = errors.New("headers do not continue the sync")
	// ErrDifficultyTransition: the bits change more than the difficulty
	// rules allow (PermittedDifficultyTransition; "invalid difficulty
	// transition").
	ErrDifficultyTransition = errors.New("invalid difficulty transition")
	// ErrTooManyCommitments: the chain is longer than the time since the
	// start allows ("exceeded max commitments").
	ErrTooManyCommitments = errors.New("exceeded max commitments")
	// ErrCommitmentOverrun: the redownloaded chain goes on past the
	// commitments presync stored without reaching the work it showed
	// ("commitment overrun").
	ErrCommitmentOverrun = errors.New("commitment overrun")
	// ErrCommitmentMismatch: a redownloaded header is not the one presync
	// saw at that height ("commitment mismatch").
	ErrCommitmentMismatch = errors.New("commitment mismatch")
	// ErrNoHeaders: ProcessNextHeaders was given no headers (Core's caller
	// drops the sync on an empty headers message instead).
	ErrNoHeaders = errors.New("no headers")
	// ErrFinished: the sync had already ended.
	ErrFinished = errors.New("headers sync already finished")
)
