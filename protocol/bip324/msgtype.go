package bip324

import (
	"errors"
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// CmdFeature is the feature-negotiation message of protocol version 70017
// (BIP434), which Core's table gives short id 37. protocol has no type for
// it yet; it travels like any other command.
const CmdFeature = "feature"

// shortIDs is BIP324's table of one-byte message type ids (index = id),
// with id 37 as in Core's V2_MESSAGE_IDS (bips' message_type_ids.md). Ids
// 29 to 36 are proposed for other BIPs (utreexo) and, like every id past
// the table, name no message here.
var shortIDs = [...]string{
	0:  "", // a 12-byte message type follows
	1:  protocol.CmdAddr,
	2:  protocol.CmdBlock,
	3:  protocol.CmdBlockTxn,
	4:  protocol.CmdCmpctBlock,
	5:  protocol.CmdFeeFilter,
	6:  protocol.CmdFilterAdd,
	7:  protocol.CmdFilterClear,
	8:  protocol.CmdFilterLoad,
	9:  protocol.CmdGetBlocks,
	10: protocol.CmdGetBlockTxn,
	11: protocol.CmdGetData,
	12: protocol.CmdGetHeaders,
	13: protocol.CmdHeaders,
	14: protocol.CmdInv,
	15: protocol.CmdMempool,
	16: protocol.CmdMerkleBlock,
	17: protocol.CmdNotFound,
	18: protocol.CmdPing,
	19: protocol.CmdPong,
	20: protocol.CmdSendCmpct,
	21: protocol.CmdTx,
	22: protocol.CmdGetCFilters,
	23: protocol.CmdCFilter,
	24: protocol.CmdGetCFHeaders,
	25: protocol.CmdCFHeaders,
	26: protocol.CmdGetCFCheckpt,
	27: protocol.CmdCFCheckpt,
	28: protocol.CmdAddrV2,
	37: CmdFeature,
}

// ShortID returns the one-byte message type id of cmd, or 0 if cmd has none
// and travels as 0x00 followed by its 12-byte name.
func ShortID(cmd string) byte { return shortID(cmd) }

// shortID is ShortID for a command as a string or as bytes: a switch on
// string(bytes) compiles to comparisons that do not allocate.
func shortID[T string | []byte](cmd T) byte {
	switch string(cmd) {
	case protocol.CmdAddr:
		return 1
	case protocol.CmdBlock:
		return 2
	case protocol.CmdBlockTxn:
		return 3
	case protocol.CmdCmpctBlock:
		return 4
	case protocol.CmdFeeFilter:
		return 5
	case protocol.CmdFilterAdd:
		return 6
	case protocol.CmdFilterClear:
		return 7
	case protocol.CmdFilterLoad:
		return 8
	case protocol.CmdGetBlocks:
		return 9
	case protocol.CmdGetBlockTxn:
		return 10
	case protocol.CmdGetData:
		return 11
	case protocol.CmdGetHeaders:
		return 12
	case protocol.CmdHeaders:
		return 13
	case protocol.CmdInv:
		return 14
	case protocol.CmdMempool:
		return 15
	case protocol.CmdMerkleBlock:
		return 16
	case protocol.CmdNotFound:
		return 17
	case protocol.CmdPing:
		return 18
	case protocol.CmdPong:
		return 19
	case protocol.CmdSendCmpct:
		return 20
	case protocol.CmdTx:
		return 21
	case protocol.CmdGetCFilters:
		return 22
	case protocol.CmdCFilter:
		return 23
	case protocol.CmdGetCFHeaders:
		return 24
	case protocol.CmdCFHeaders:
		return 25
	case protocol.CmdGetCFCheckpt:
		return 26
	case protocol.CmdCFCheckpt:
		return 27
	case protocol.CmdAddrV2:
		return 28
	case CmdFeature:
		return 37
	}
	return 0
}

// Errors of a message type, which Core answers by dropping the message and
// keeping the connection (its GetMessageType failing sets reject_message).
var (
	// ErrEmptyContents is an application packet with no contents: no
	// message type at all.
	ErrEmptyContents = errors.New("bip324: empty contents")
	// ErrUnknownShortID is a one-byte id that names no message here.
	ErrUnknownShortID = errors.New("bip324: unknown short message id")
	// ErrBadMessageType is a 12-byte message type that is short or not
	// printable ASCII padded with NULs.
	ErrBadMessageType = errors.New("bip324: malformed message type")
)

// AppendContents appends the contents of a message to dst: cmd's short id,
// or 0x00 and cmd NUL-padded to 12 bytes, then the payload. A command
// longer than 12 bytes is a programming error and panics, as
// protocol.AppendRawFrame does.
func AppendContents(dst []byte, cmd string, payload []byte) []byte {
	dst = appendType(dst, cmd)
	return append(dst, payload...)
}

// appendType appends the message type part of contents.
func appendType[T string | []byte](dst []byte, cmd T) []byte {
	if id := shortID(cmd); id != 0 {
		return append(dst, id)
	}
	if len(cmd) > protocol.CommandSize {
		panic("bip324: command " + string(cmd) + " longer than 12 bytes")
	}
	dst = append(dst, 0)
	dst = append(dst, cmd...)
	var pad [protocol.CommandSize]byte
	return append(dst, pad[:protocol.CommandSize-len(cmd)]...)
}

// ParseContents splits decrypted contents into a command and a payload
// (aliasing contents), as Core's V2Transport::GetMessageType does: a
// nonzero first byte is a short id, a zero one is followed by 12 bytes of
// command, bytes 0x20 to 0x7f up to the first NUL and only NULs after it.
// Commands of the short-id table and those protocol knows come back as
// constants without allocating. A failure (ErrEmptyContents,
// ErrUnknownShortID, ErrBadMessageType) means: drop this message, keep the
// connection. Twelve NULs are the empty command "", returned like any
// other: Core, like our v1 deframer, passes it on as a message of an
// unknown type, which is ignored.
func ParseContents(contents []byte) (cmd string, payload []byte, err error) {
	if len(contents) == 0 {
		return "", nil, ErrEmptyContents
	}
	if id := contents[0]; id != 0 {
		if int(id) < len(shortIDs) && shortIDs[id] != "" {
			return shortIDs[id], contents[1:], nil
		}
		return "", nil, fmt.Errorf("%w %d", ErrUnknownShortID, id)
	}
	if len(contents) < 1+protocol.CommandSize {
		return "", nil, fmt.Errorf("%w: %d bytes, want 13", ErrBadMessageType, len(contents))
	}
	raw := [protocol.CommandSize]byte(contents[1 : 1+protocol.CommandSize])
	n := 0
	for n < protocol.CommandSize && raw[n] != 0 {
		// Core accepts 0x20 to 0x7f here (its v1 check stops at 0x7e).
		if raw[n] < 0x20 || raw[n] > 0x7f {
			return "", nil, fmt.Errorf("%w: byte %#02x", ErrBadMessageType, raw[n])
		}
		n++
	}
	for i := n; i < protocol.CommandSize; i++ {
		if raw[i] != 0 {
			return "", nil, fmt.Errorf("%w: byte after NUL padding", ErrBadMessageType)
		}
	}
	return protocol.CommandName(raw), contents[1+protocol.CommandSize:], nil
}
