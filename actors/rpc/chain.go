package rpc

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/chain"
	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/protocol"
)

// Error codes of the blockchain methods.
const (
	// CodeInvalidAddressOrKey is Core's RPC_INVALID_ADDRESS_OR_KEY ("Block
	// not found").
	CodeInvalidAddressOrKey = -5
)

// chainMethods are the blockchain methods. The node keeps headers only:
// its chain of blocks is the genesis block, so blocks, bestblockhash,
// getblockcount, getbestblockhash and getblockhash describe that chain,
// as Core does for a node that has headers but no blocks yet; headers,
// getblockheader and getchaintips show the header chain.
func chainMethods() []*method {
	return []*method{
		{name: "getblockchaininfo", category: "Blockchain", run: getBlockchainInfo,
			about: "Returns an object containing various state info regarding blockchain processing.\nThis node keeps block headers only: \"blocks\" and \"bestblockhash\" describe the chain of blocks it has (the genesis block), \"headers\" the best header chain.\n\nResult: {\"chain\", \"blocks\", \"headers\", \"bestblockhash\", \"bits\", \"target\", \"difficulty\", \"time\", \"mediantime\", \"verificationprogress\", \"initialblockdownload\", \"chainwork\", \"size_on_disk\", \"pruned\", \"warnings\"}"},
		{name: "getblockcount", category: "Blockchain", run: getBlockCount,
			about: "Returns the height of the most-work fully-validated chain (0: this node keeps headers only).\n\nResult:\nn    (numeric) The current block count"},
		{name: "getbestblockhash", category: "Blockchain", run: getBestBlockHash,
			about: "Returns the hash of the best (tip) block in the most-work fully-validated chain.\n\nResult:\n\"hex\"    (string) the block hash, hex-encoded"},
		{name: "getblockhash", category: "Blockchain", run: getBlockHash,
			params: []param{{name: "height", kind: kindNumber}},
			about:  "Returns hash of block in best-block-chain at height provided.\n\nArguments:\n1. height    (numeric, required) The height index\n\nResult:\n\"hex\"    (string) The block hash"},
		{name: "getblockheader", category: "Blockchain", run: getBlockHeader,
			params: []param{{name: "blockhash", kind: kindString}, {name: "verbose", kind: kindBool, optional: true}},
			about:  "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\nIf verbose is true, returns an Object with information about blockheader <hash>.\n\nArguments:\n1. blockhash    (string, required) The block hash\n2. verbose      (boolean, optional, default=true) true for a json object, false for the hex-encoded data"},
		{name: "getchaintips", category: "Blockchain", run: getChainTips,
			about: "Return information about all known tips in the block tree, including the main chain as well as orphaned branches.\n\nResult: [{\"height\", \"hash\", \"branchlen\", \"status\"}]"},
	}
}

func (s *Server) chainInfo() (*chain.Info, error) {
	r, err := s.ask(s.cfg.Backend.Chain, func(to *actor.PID) any { return &chain.GetInfo{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	in := r.(*chain.Info)
	if !in.Ready {
		// Core's RPC_IN_WARMUP while it loads its block index.
		return nil, errorf(CodeInWarmup, "Loading block index...")
	}
	return in, nil
}

// difficulty is Core's GetDifficulty: how much harder than the easiest
// mainnet target bits are.
func difficulty(bits uint32) float64 {
	shift := (bits >> 24) & 0xff
	d := float64(0x0000ffff) / float64(bits&0x00ffffff)
	for ; shift < 29; shift++ {
		d *= 256
	}
	for ; shift > 29; shift-- {
		d /= 256
	}
	// Core's JSON writes doubles with 16 significant digits.
	r, _ := strconv.ParseFloat(strconv.FormatFloat(d, 'g', 16, 64), 64)
	return r
}

func target(bits uint32) string {
	t, _, _ := headerchain.CompactToTarget(bits)
	return t.String()
}

func getBlockchainInfo(_ context.Context, s *Server, _ args) (any, error) {
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	tip := in.Best
	return map[string]any{
		"chain":                coreChainName(in.Network),
		"blocks":               in.Blocks,
		"headers":              in.Headers,
		"bestblockhash":        tip.Hash.String(),
		"bits":                 fmt.Sprintf("%08x", tip.Header.Bits),
		"target":               target(tip.Header.Bits),
		"difficulty":           difficulty(tip.Header.Bits),
		"time":                 tip.Header.Timestamp,
		"mediantime":           tip.MedianTime,
		"verificationprogress": 0.0, // no block beyond genesis verified
		"initialblockdownload": true,
		"chainwork":            tip.ChainWork,
		"size_on_disk":         0,
		"pruned":               false,
		"warnings":             []string{},
	}, nil
}

// coreChainName is Core's name of a network in getblockchaininfo.
func coreChainName(network string) string {
	if network == protocol.NameMainnet {
		return "main"
	}
	return network
}

func getBlockCount(_ context.Context, s *Server, _ args) (any, error) {
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	return in.Blocks, nil
}

func getBestBlockHash(_ context.Context, s *Server, _ args) (any, error) {
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	return in.Best.Hash.String(), nil
}

func getBlockHash(_ context.Context, s *Server, a args) (any, error) {
	h, rerr := a.integer(0, 0)
	if rerr != nil {
		return nil, rerr
	}
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	if h < 0 || h > int64(in.Blocks) {
		return nil, errorf(CodeInvalidParameter, "Block height out of range")
	}
	return in.Best.Hash.String(), nil
}

// parseHash is Core's ParseHashV.
func parseHash(s, name string) (protocol.Hash, *Error) {
	if len(s) != 64 {
		return protocol.Hash{}, errorf(CodeInvalidParameter, "%s must be of length 64 (not %d, for '%s')", name, len(s), s)
	}
	h, err := protocol.NewHashFromStr(s)
	if err != nil || strings.ContainsAny(s, "xX") {
		return protocol.Hash{}, errorf(CodeInvalidParameter, "%s must be hexadecimal string (not '%s')", name, s)
	}
	return h, nil
}

func getBlockHeader(_ context.Context, s *Server, a args) (any, error) {
	hash, rerr := parseHash(a.str(0), "hash")
	if rerr != nil {
		return nil, rerr
	}
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	r, err := s.ask(s.cfg.Backend.Chain, func(to *actor.PID) any { return &chain.GetHeader{Hash: hash, ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	rep := r.(*chain.HeaderReply)
	if !rep.Found {
		return nil, errorf(CodeInvalidAddressOrKey, "Block not found")
	}
	h := rep.Header
	if h.ReadErr != "" {
		// The index holds the header but the store cannot read it back
		// (Core's "Can't read block from disk" for a block).
		return nil, errorf(CodeMiscError, "Can't read block header from disk: %s", h.ReadErr)
	}
	if !a.boolean(1, true) {
		return hex.EncodeToString(protocol.AppendBlockHeader(nil, &h.Header)), nil
	}
	// Confirmations count on the chain of blocks (genesis alone): every
	// other header is off it, -1 as Core says for a header not on its
	// active chain.
	confirmations := -1
	if h.Hash == in.Best.Hash {
		confirmations = 1
	}
	out := map[string]any{
		"hash":          h.Hash.String(),
		"confirmations": confirmations,
		"height":        h.Height,
		"version":       h.Header.Version,
		"versionHex":    fmt.Sprintf("%08x", uint32(h.Header.Version)),
		"merkleroot":    h.Header.MerkleRoot.String(),
		"time":          h.Header.Timestamp,
		"mediantime":    h.MedianTime,
		"nonce":         h.Header.Nonce,
		"bits":          fmt.Sprintf("%08x", h.Header.Bits),
		"target":        target(h.Header.Bits),
		"difficulty":    difficulty(h.Header.Bits),
		"chainwork":     h.ChainWork,
		"nTx":           0,
	}
	if h.Height > 0 {
		out["previousblockhash"] = h.Header.PrevBlock.String()
	}
	return out, nil
}

func getChainTips(_ context.Context, s *Server, _ args) (any, error) {
	in, err := s.chainInfo()
	if err != nil {
		return nil, err
	}
	r, err := s.ask(s.cfg.Backend.Chain, func(to *actor.PID) any { return &chain.GetTips{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	// The active chain is the chain of blocks: genesis. Every header
	// branch forks from it there and lacks its blocks: "headers-only",
	// branchlen its height.
	type tip struct {
		Height    int32  `json:"height"`
		Hash      string `json:"hash"`
		BranchLen int32  `json:"branchlen"`
		Status    string `json:"status"`
	}
	var out []tip
	for _, t := range r.(*chain.Tips).List {
		if t.Hash == in.Best.Hash {
			continue
		}
		out = append(out, tip{Height: t.Height, Hash: t.Hash.String(), BranchLen: t.Height - in.Blocks, Status: "headers-only"})
	}
	out = append(out, tip{Height: in.Blocks, Hash: in.Best.Hash.String(), BranchLen: 0, Status: "active"})
	return out, nil
}
