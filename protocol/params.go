package protocol

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/netip"
	"time"
)

// Params describes one Bitcoin network: what a node needs to find and talk to
// its peers. Values come from Bitcoin Core's chainparams.
type Params struct {
	// Name is the canonical name: mainnet, testnet3, testnet4, signet or
	// regtest.
	Name string
	// Magic is the message start as the little-endian uint32 of its four
	// bytes (mainnet f9 be b4 d9 is 0xd9b4bef9), as in Header.Magic.
	Magic uint32
	// DefaultPort is the TCP port nodes listen on.
	DefaultPort uint16
	// DNSSeeds are host names whose A/AAAA records list nodes (Core's
	// vSeeds, without the trailing dot).
	DNSSeeds []string
	// FixedSeeds are a few long-lived nodes to try when DNS gives nothing
	// (taken from Core's contrib/seeds lists).
	FixedSeeds []netip.AddrPort
	// GenesisHash is the hash of the network's first block.
	GenesisHash Hash
	// GenesisBlock is the network's first block as a block message carries
	// it: the 80-byte header, a CompactSize transaction count of 1 and the
	// coinbase transaction, built as Core's CreateGenesisBlock builds it.
	// Its header hashes to GenesisHash.
	GenesisBlock []byte
	// MinimumChainWork is Core's default nMinimumChainWork: the total work
	// below which a chain is not worth syncing from or serving (Core answers
	// getheaders with an empty headers message while its tip has less).
	// Zero on regtest. Network builds a fresh value on every call.
	MinimumChainWork *big.Int
	// Consensus holds the rules a block header of this network must follow.
	Consensus Consensus
}

// Consensus is the part of Core's Consensus::Params that block headers are
// checked against: proof of work, difficulty adjustment and the heights at
// which BIP34, BIP66 and BIP65 raised the minimum block version. Core keeps
// no checkpoints any more; signet's block signature (BIP325) is checked on
// blocks, not headers, and is not described here.
type Consensus struct {
	// PowLimit is the easiest target a block may have (Core's powLimit), a
	// 256-bit number stored as Core stores a uint256: little-endian, so
	// String prints it as Core's source writes it.
	PowLimit Hash
	// PowTargetSpacing is the intended time between blocks (Core's
	// nPowTargetSpacing): 10 minutes on every network.
	PowTargetSpacing time.Duration
	// PowTargetTimespan is the time a difficulty period should take (Core's
	// nPowTargetTimespan): two weeks, one day on regtest. The period is
	// PowTargetTimespan/PowTargetSpacing blocks (2016; 144 on regtest).
	PowTargetTimespan time.Duration
	// PowAllowMinDifficultyBlocks: a block more than twice the spacing after
	// its parent may have the easiest difficulty (testnet3, testnet4,
	// regtest; Core's fPowAllowMinDifficultyBlocks).
	PowAllowMinDifficultyBlocks bool
	// PowNoRetargeting: the difficulty never changes (regtest; Core's
	// fPowNoRetargeting).
	PowNoRetargeting bool
	// EnforceBIP94: testnet4's rules. A retarget starts from the bits of
	// the period's first block, and the first block of a period may not be
	// more than 10 minutes older than its parent (Core's enforce_BIP94).
	EnforceBIP94 bool
	// BIP34Height, BIP66Height and BIP65Height are the first heights whose
	// blocks must have version 2, 3 and 4 or more (Core's BIP34Height,
	// BIP66Height, BIP65Height).
	BIP34Height, BIP66Height, BIP65Height int32
}

// DifficultyAdjustmentInterval is the number of blocks of a difficulty
// period (Core's DifficultyAdjustmentInterval): 2016, or 144 on regtest.
func (c Consensus) DifficultyAdjustmentInterval() int64 {
	return int64(c.PowTargetTimespan / c.PowTargetSpacing)
}

// Durations and limits shared by every network's Consensus.
const (
	powTargetSpacing  = 10 * time.Minute
	powTargetTimespan = 14 * 24 * time.Hour
)

// Proof-of-work limits (Core's powLimit of each network).
var (
	bitcoinPowLimit = mustHash("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
	signetPowLimit  = mustHash("00000377ae000000000000000000000000000000000000000000000000000000")
	regtestPowLimit = mustHash("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
)

// Canonical network names.
const (
	NameMainnet  = "mainnet"
	NameTestnet3 = "testnet3"
	NameTestnet4 = "testnet4"
	NameSignet   = "signet"
	NameRegtest  = "regtest"
)

// NetworkNames returns the canonical network names Network accepts (it also
// takes "main" and "testnet"). The slice is the caller's.
func NetworkNames() []string {
	return []string{NameMainnet, NameTestnet3, NameTestnet4, NameSignet, NameRegtest}
}

// Network returns the parameters of the named network. Every call builds a
// fresh value, so the caller may change its slices freely. An unknown name
// wraps ErrUnknownNetwork.
func Network(name string) (Params, error) {
	switch name {
	case NameMainnet, "main":
		return Params{
			Name:        NameMainnet,
			Magic:       0xd9b4bef9, // f9 be b4 d9
			DefaultPort: 8333,
			DNSSeeds: []string{
				"dnsseed.bluematt.me",
				"seed.bitcoin.jonasschnelli.ch",
				"seed.btc.petertodd.net",
				"seed.bitcoin.sprovoost.nl",
				"dnsseed.emzy.de",
				"seed.bitcoin.wiz.biz",
				"seed.mainnet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(8333,
				"2.121.116.198", "3.86.179.235", "4.2.51.251",
				"5.2.23.226", "5.2.222.125", "5.11.92.140"),
			GenesisHash:      mustHash("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"),
			GenesisBlock:     satoshiGenesisBlock(1231006505, 2083236893, 0x1d00ffff),
			MinimumChainWork: mustWork("0000000000000000000000000000000000000001128750f82f4c366153a3a030"),
			Consensus: Consensus{
				PowLimit:          bitcoinPowLimit,
				PowTargetSpacing:  powTargetSpacing,
				PowTargetTimespan: powTargetTimespan,
				BIP34Height:       227931,
				BIP66Height:       363725,
				BIP65Height:       388381,
			},
		}, nil
	case NameTestnet3, "testnet":
		return Params{
			Name:        NameTestnet3,
			Magic:       0x0709110b, // 0b 11 09 07
			DefaultPort: 18333,
			DNSSeeds: []string{
				"testnet-seed.bitcoin.jonasschnelli.ch",
				"seed.tbtc.petertodd.net",
				"testnet-seed.bluematt.me",
				"seed.testnet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(18333,
				"18.118.231.3", "23.227.223.209", "24.160.99.9",
				"35.183.51.117", "35.210.184.94", "38.102.86.40"),
			GenesisHash:      mustHash("000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"),
			GenesisBlock:     satoshiGenesisBlock(1296688602, 414098458, 0x1d00ffff),
			MinimumChainWork: mustWork("0000000000000000000000000000000000000000000017dde1c649f3708d14b6"),
			Consensus: Consensus{
				PowLimit:                    bitcoinPowLimit,
				PowTargetSpacing:            powTargetSpacing,
				PowTargetTimespan:           powTargetTimespan,
				PowAllowMinDifficultyBlocks: true,
				BIP34Height:                 21111,
				BIP66Height:                 330776,
				BIP65Height:                 581885,
			},
		}, nil
	case NameTestnet4:
		return Params{
			Name:        NameTestnet4,
			Magic:       0x283f161c, // 1c 16 3f 28
			DefaultPort: 48333,
			DNSSeeds: []string{
				"seed.testnet4.bitcoin.sprovoost.nl",
				"seed.testnet4.wiz.biz",
			},
			FixedSeeds: addrPorts(48333,
				"2.59.134.244", "2.110.106.102", "5.182.4.106",
				"31.220.30.248", "34.232.194.104", "35.201.167.154"),
			GenesisHash: mustHash("00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"),
			GenesisBlock: genesisBlock(genesisSpec{
				coinbaseText: testnet4CoinbaseText,
				outputScript: p2pkScript(testnet4OutputKey),
				time:         1714777860,
				nonce:        393743547,
				bits:         0x1d00ffff,
			}),
			MinimumChainWork: mustWork("0000000000000000000000000000000000000000000009a0fe15d0177d086304"),
			Consensus: Consensus{
				PowLimit:                    bitcoinPowLimit,
				PowTargetSpacing:            powTargetSpacing,
				PowTargetTimespan:           powTargetTimespan,
				PowAllowMinDifficultyBlocks: true,
				EnforceBIP94:                true,
				BIP34Height:                 1,
				BIP66Height:                 1,
				BIP65Height:                 1,
			},
		}, nil
	case NameSignet:
		// The default signet (Core's built-in challenge); a custom signet
		// has its own magic derived from its challenge.
		return Params{
			Name:        NameSignet,
			Magic:       0x40cf030a, // 0a 03 cf 40
			DefaultPort: 38333,
			DNSSeeds: []string{
				"seed.signet.bitcoin.sprovoost.nl",
				"seed.signet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(38333,
				"34.135.189.101", "34.254.97.244", "35.196.2.204",
				"35.217.13.118", "37.120.177.204", "38.83.170.18"),
			GenesisHash:      mustHash("00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"),
			GenesisBlock:     satoshiGenesisBlock(1598918400, 52613770, 0x1e0377ae),
			MinimumChainWork: mustWork("00000000000000000000000000000000000000000000000000000b463ea0a4b8"),
			// Signet retargets as mainnet does, from its own limit.
			Consensus: Consensus{
				PowLimit:          signetPowLimit,
				PowTargetSpacing:  powTargetSpacing,
				PowTargetTimespan: powTargetTimespan,
				BIP34Height:       1,
				BIP66Height:       1,
				BIP65Height:       1,
			},
		}, nil
	case NameRegtest:
		// No seeds: a regtest network is whatever nodes the user connects.
		return Params{
			Name:             NameRegtest,
			Magic:            0xdab5bffa, // fa bf b5 da
			DefaultPort:      18444,
			GenesisHash:      mustHash("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"),
			GenesisBlock:     satoshiGenesisBlock(1296688602, 2, 0x207fffff),
			MinimumChainWork: new(big.Int),
			// Core's regtest takes -test=bip94 to set EnforceBIP94; off here.
			Consensus: Consensus{
				PowLimit:                    regtestPowLimit,
				PowTargetSpacing:            powTargetSpacing,
				PowTargetTimespan:           24 * time.Hour,
				PowAllowMinDifficultyBlocks: true,
				PowNoRetargeting:            true,
				BIP34Height:                 1,
				BIP66Height:                 1,
				BIP65Height:                 1,
			},
		}, nil
	}
	return Params{}, fmt.Errorf("network %q: %w (want one of %v)", name, ErrUnknownNetwork, NetworkNames())
}

// addrPorts builds a fresh seed list of IPv4 literals on one port.
func addrPorts(port uint16, ips ...string) []netip.AddrPort {
	out := make([]netip.AddrPort, len(ips))
	for i, ip := range ips {
		out[i] = netip.AddrPortFrom(netip.MustParseAddr(ip), port)
	}
	return out
}

// mustHash parses a hash constant of this file; a typo panics in every test.
func mustHash(s string) Hash {
	h, err := NewHashFromStr(s)
	if err != nil {
		panic(err)
	}
	return h
}

// GenesisHeader returns the header of GenesisBlock. It fails only for a
// Params whose GenesisBlock is shorter than a header (one not made by
// Network).
func (p Params) GenesisHeader() (BlockHeader, error) {
	var h BlockHeader
	if len(p.GenesisBlock) < BlockHeaderSize {
		return h, fmt.Errorf("network %q: genesis header: %w", p.Name, ErrShortInput)
	}
	parseBlockHeader(&h, p.GenesisBlock)
	return h, nil
}

// mustWork parses a chain work constant of this file, written as Core writes
// a uint256: 64 hex digits, most significant first.
func mustWork(s string) *big.Int {
	w, ok := new(big.Int).SetString(s, 16)
	if !ok || len(s) != 2*HashSize {
		panic("protocol: bad chain work constant " + s)
	}
	return w
}

// The genesis coinbase of mainnet, testnet3, signet and regtest: Satoshi's
// newspaper headline and the key its 50 BTC output pays (Core's
// CreateGenesisBlock without a message and script).
const (
	satoshiCoinbaseText = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks"
	satoshiOutputKey    = "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"
)

// The testnet4 genesis coinbase (BIP94): a mainnet block hash as its
// message and an unspendable all-zero key.
const (
	testnet4CoinbaseText = "03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e"
	testnet4OutputKey    = "000000000000000000000000000000000000000000000000000000000000000000"
)

// genesisReward is the genesis coinbase's output value in satoshis: 50 BTC.
const genesisReward = 50 * 100_000_000

// genesisCoinbaseBits is the number every genesis coinbase pushes first:
// 0x1d00ffff, mainnet's starting difficulty bits, as a script number.
const genesisCoinbaseBits = 486604799

// Script opcodes and limits used to build the genesis scripts.
const (
	opPushData1   = 0x4c // the next byte is the push length
	opPushData2   = 0x4d // the next two bytes are the push length
	opCheckSig    = 0xac
	maxDirectPush = opPushData1 - 1 // longest push whose length is its opcode
)

// genesisSpec holds the arguments of Core's CreateGenesisBlock that differ
// between networks; the block version is 1 and the reward 50 BTC on all.
type genesisSpec struct {
	coinbaseText string
	outputScript []byte
	time         uint32
	nonce        uint32
	bits         uint32
}

// satoshiGenesisBlock builds a genesis block with Satoshi's coinbase and the
// given header fields.
func satoshiGenesisBlock(time, nonce, bits uint32) []byte {
	return genesisBlock(genesisSpec{
		coinbaseText: satoshiCoinbaseText,
		outputScript: p2pkScript(satoshiOutputKey),
		time:         time,
		nonce:        nonce,
		bits:         bits,
	})
}

// genesisBlock serializes a genesis block as Core's CreateGenesisBlock makes
// it: one coinbase transaction whose input script pushes 486604799, the
// script number 4 and the text, paying 50 BTC to outputScript; the merkle
// root of a block of one transaction is that transaction's id.
func genesisBlock(g genesisSpec) []byte {
	var sig []byte
	sig = appendScriptPush(sig, scriptNum(genesisCoinbaseBits))
	sig = appendScriptPush(sig, scriptNum(4))
	sig = appendScriptPush(sig, []byte(g.coinbaseText))
	tx := appendCoinbaseTx(nil, sig, g.outputScript, genesisReward)

	h := BlockHeader{
		Version:    1,
		MerkleRoot: DoubleSHA256(tx),
		Timestamp:  g.time,
		Bits:       g.bits,
		Nonce:      g.nonce,
	}
	block := make([]byte, 0, BlockHeaderSize+1+len(tx))
	block = appendBlockHeader(block, &h)
	block = AppendCompactSize(block, 1)
	return append(block, tx...)
}

// appendCoinbaseTx appends a transaction in its serialization without
// witness: version 1, one input spending the null outpoint with scriptSig and
// a final sequence, one output of value paying scriptPubKey, lock time 0.
func appendCoinbaseTx(dst, scriptSig, scriptPubKey []byte, value int64) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, 1) // version
	dst = AppendCompactSize(dst, 1)                // inputs
	dst = append(dst, make([]byte, HashSize)...)   // prevout hash: null
	dst = binary.LittleEndian.AppendUint32(dst, 0xffffffff)
	dst = AppendCompactSize(dst, uint64(len(scriptSig)))
	dst = append(dst, scriptSig...)
	dst = binary.LittleEndian.AppendUint32(dst, 0xffffffff) // sequence: final
	dst = AppendCompactSize(dst, 1)                         // outputs
	dst = binary.LittleEndian.AppendUint64(dst, uint64(value))
	dst = AppendCompactSize(dst, uint64(len(scriptPubKey)))
	dst = append(dst, scriptPubKey...)
	return binary.LittleEndian.AppendUint32(dst, 0) // lock time
}

// p2pkScript returns the script "<key> OP_CHECKSIG" for a hex key constant.
func p2pkScript(keyHex string) []byte {
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		panic("protocol: bad key constant: " + err.Error())
	}
	return append(appendScriptPush(nil, key), opCheckSig)
}

// appendScriptPush appends a push of data in its shortest form, as Core's
// CScript << data: the length as the opcode below OP_PUSHDATA1, else
// OP_PUSHDATA1 or OP_PUSHDATA2 and the length (data is at most 65,535
// bytes: only this file's constants). The testnet4 text is 76 bytes, so it
// takes OP_PUSHDATA1.
func appendScriptPush(dst, data []byte) []byte {
	switch n := len(data); {
	case n <= maxDirectPush:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, opPushData1, byte(n))
	default:
		dst = binary.LittleEndian.AppendUint16(append(dst, opPushData2), uint16(n))
	}
	return append(dst, data...)
}

// scriptNum encodes a positive n as a script number (Core's
// CScriptNum::serialize): little-endian, minimal, with a zero byte added
// when the top bit of the last byte is set, so it does not read as negative.
func scriptNum(n uint32) []byte {
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append(b, byte(n))
	}
	if len(b) > 0 && b[len(b)-1]&0x80 != 0 {
		b = append(b, 0)
	}
	return b
}
