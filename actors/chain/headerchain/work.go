package headerchain

import "math/bits"

// work is an amount of chain work in 128 bits, the width an index entry
// keeps. Chain work is the expected number of hashes behind a chain, so no
// chain can honestly reach 2^128 of it: that many hashes will not be done.
// A header can still claim a proof of 2^128 or more with a target below
// 2^128 (a lucky hash); such a proof, and any sum reaching 2^128, saturates
// at maxWork rather than wrapping, so more work never compares as less.
type work struct{ hi, lo uint64 }

// maxWork is the saturated amount: 2^128-1.
var maxWork = work{hi: ^uint64(0), lo: ^uint64(0)}

// workOf returns x as work, saturated at maxWork.
func workOf(x Uint256) work {
	if x[2]|x[3] != 0 {
		return maxWork
	}
	return work{hi: x[1], lo: x[0]}
}

// add returns w+v, saturated at maxWork.
func (w work) add(v work) work {
	lo, c := bits.Add64(w.lo, v.lo, 0)
	hi, c := bits.Add64(w.hi, v.hi, c)
	if c != 0 {
		return maxWork
	}
	return work{hi: hi, lo: lo}
}

// cmp returns -1, 0 or +1 as w is less than, equal to or greater than v.
func (w work) cmp(v work) int {
	switch {
	case w.hi < v.hi, w.hi == v.hi && w.lo < v.lo:
		return -1
	case w == v:
		return 0
	}
	return 1
}

// uint256 returns w as a Uint256.
func (w work) uint256() Uint256 { return Uint256{w.lo, w.hi, 0, 0} }
