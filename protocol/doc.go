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
// one buffer costs no allocation beyond the buffer's growth.
//
// # Messages
//
// Each message type (MsgVersion, MsgPing, MsgAddr, ...) is a struct of plain
// fields implementing Message: Command, AppendPayload and DecodePayload.
// Decode picks the type from the command; a command without a type here
// comes back as *MsgRaw. Decoding follows Bitcoin Core: lists are checked
// against their maxima (MaxAddrPerMsg, MaxInvPerMsg, MaxHeadersPerMsg,
// MaxLocatorHashes) and against the remaining input before anything is
// allocated, CompactSize must be canonical and at most MaxCompactSize, and
// bytes after the last field are ignored. Every failure is a *DecodeError
// naming the message and field ("decode addr: entry 3: port: short input")
// that wraps a sentinel such as ErrShortInput or ErrTooMany for errors.Is.
//
// Encoders write what they are given; keeping within the limits is the
// sender's job.
//
// # Networks
//
// Network returns the Params of mainnet, testnet3, testnet4, signet or
// regtest: magic, default port, DNS seeds, a few fixed seeds and the genesis
// block hash, as in Bitcoin Core's chainparams. Each call returns a fresh
// copy; the package has no mutable state.
package protocol
