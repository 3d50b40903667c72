// Package protocol is the Bitcoin peer-to-peer wire protocol as plain data:
// message structs, their encoding and decoding, frame headers, CompactSize,
// hashes, service bits, addresses and network parameters. It does no I/O,
// starts no goroutines and imports nothing else of actornode, so the io actor
// and the peer actors can call it on their hot paths.
//
// # Frames
//
// Every message travels in a frame: a 24-byte Header (network magic,
// NUL-padded command, payload length, checksum) followed by the payload.
// A reader parses the header with ParseHeader, applies Header.Check (magic,
// then length: failures Core disconnects for), waits for Length bytes,
// compares Checksum(payload) with the header, and turns the command into a
// string with Header.CommandName, which returns an interned constant for
// every command this package names. None of these allocate.
//
// A writer appends whole frames to a buffer with AppendFrame (a typed
// Message) or AppendRawFrame (a command and payload): the payload is encoded
// in place and the header filled in after it, so batching many replies into
// one buffer costs no allocation beyond the buffer's growth. AppendPong is
// the answer to a ping for every sender (peer actors, test doubles, load
// generators): it builds the frame without a message value and reuses the
// ping's checksum when given it, so a pong costs no hashing.
//
// # Messages
//
// Each message type is a struct of plain fields implementing Message:
// Command, AppendPayload and DecodePayload. The whole message set of
// today's network has a type: version, verack, ping, pong, getaddr, addr,
// addrv2 (BIP155), sendaddrv2, wtxidrelay (BIP339), sendheaders (BIP130),
// feefilter (BIP133), inv, getdata, notfound (InvVect of every type,
// witness flags included), getheaders, getblocks, headers, tx and block
// (with or without witness, BIP144), mempool, reject (BIP61, for decoding
// what old nodes send), alert (opaque), sendcmpct, cmpctblock, getblocktxn
// and blocktxn (BIP152, with SipHash-2-4 short ids), filterload, filteradd,
// filterclear and merkleblock (BIP37), and getcfilters, cfilter,
// getcfheaders, cfheaders, getcfcheckpt and cfcheckpt (BIP157). Decode
// picks the type from the command; a command without a type here comes
// back as *MsgRaw, which the caller counts and skips as Core does.
//
// MsgTx gives the txid (TxHash) and wtxid (WitnessHash); MsgBlock the block
// hash; MsgCmpctBlock the short id keys and short ids. Hashes print in
// Bitcoin's reversed hex.
//
// # Strictness
//
// Decoding follows Bitcoin Core's reaction to each message, read from its
// source: lists are checked against their maxima (MaxAddrPerMsg,
// MaxInvPerMsg, MaxHeadersPerMsg, MaxLocatorHashes, MaxCFHeadersPerMsg),
// strings and blobs against theirs (MaxUserAgentLength,
// MaxFilterLoadFilterSize, MaxFilterAddDataSize, BIP155 address lengths),
// CompactSize must be canonical and at most MaxCompactSize, a headers
// message's transaction counts are read and ignored, transactions follow
// Core's witness flag rules, and bytes after the last field are ignored.
// Every failure is a *DecodeError naming the message and field ("decode
// addr: entry 3: port: short input") that wraps a sentinel such as
// ErrShortInput or ErrTooMany for errors.Is; limits come as *LimitError
// with the value and the maximum.
//
// A decoder never allocates more than its input justifies: every count is
// checked against the bytes left (at the smallest size of an entry) before
// anything is made, so a count of a billion behind ten bytes fails at once.
// Lists decode into one backing array; a block's transactions, inputs,
// outputs and witnesses each take one array, and their scripts point into
// a single copy of the payload. A decoded message keeps no reference to
// the caller's bytes.
//
// Encoders write what they are given; keeping within the limits is the
// sender's job.
//
// # Proof
//
// Besides round trips and literal hex for every message, testdata/ holds
// vectors from the real network (the mainnet and testnet3 genesis blocks,
// a mainnet segwit transaction, a version message from a Core node) with
// their published hashes, and every decoder has a fuzz target. The nested
// module protocol/wirediff checks every message btcd also implements
// against btcd's wire package, both ways, with a differential fuzz target,
// and benchmarks the two side by side.
//
// # Networks
//
// Network returns the Params of mainnet, testnet3, testnet4, signet or
// regtest: magic, default port, DNS seeds, a few fixed seeds and the genesis
// block hash, as in Bitcoin Core's chainparams. Each call returns a fresh
// copy; the package has no mutable state.
package protocol
