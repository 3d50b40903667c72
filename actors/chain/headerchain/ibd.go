package headerchain

import "time"

// MaxTipAge is how old a tip may be for a node to count as out of initial
// block download (Core's DEFAULT_MAX_TIP_AGE, -maxtipage).
const MaxTipAge = 24 * time.Hour

// InitialDownload is Core's IsInitialBlockDownload test of a tip, the one
// place the node keeps it: a chain whose tip has less work than minWork
// (the network's MinimumChainWork) or is older than maxTipAge at now is
// still being downloaded. The chain of blocks (package chain's IBD) and the
// header sync (package machine) both ask it, each of its own tip.
func InitialDownload(tipWork, minWork Uint256, tipTime, now time.Time, maxTipAge time.Duration) bool {
	return tipWork.Cmp(minWork) < 0 || tipTime.Before(now.Add(-maxTipAge))
}
