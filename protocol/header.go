package protocol

import (
	"crypto/sha256"
	"encoding/binary"
)

// Header is the 24-byte header in front of every message (v1 transport):
// network magic, NUL-padded command, payload length and payload checksum.
type Header struct {
	// Magic is the network's message start, read as a little-endian uint32
	// (mainnet f9 be b4 d9 is 0xd9b4bef9).
	Magic uint32
	// Command is the NUL-padded ASCII command name.
	Command [CommandSize]byte
	// Length is the payload size in bytes.
	Length uint32
	// Checksum is the first four bytes of the payload's double SHA-256.
	Checksum [4]byte
}

// ParseHeader parses the header at the front of b, which must hold at least
// HeaderSize bytes (else ErrShortInput and a zero Header). It checks that the
// command is printable ASCII followed only by NULs, as Core's
// IsMessageTypeValid does; if not it returns ErrBadCommand together with the
// fully parsed Header, so a caller can still skip the payload (Core drops
// such a message and keeps the connection). It checks neither magic nor
// length: see Check. It does not allocate.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, ErrShortInput
	}
	h.Magic = binary.LittleEndian.Uint32(b[0:4])
	copy(h.Command[:], b[4:16])
	h.Length = binary.LittleEndian.Uint32(b[16:20])
	copy(h.Checksum[:], b[20:24])
	if !validCommand(&h.Command) {
		return h, ErrBadCommand
	}
	return h, nil
}

// validCommand reports whether raw is printable ASCII (0x20..0x7e) followed
// only by NULs.
func validCommand(raw *[CommandSize]byte) bool {
	i := 0
	for ; i < CommandSize && raw[i] != 0; i++ {
		if raw[i] < 0x20 || raw[i] > 0x7e {
			return false
		}
	}
	for ; i < CommandSize; i++ {
		if raw[i] != 0 {
			return false
		}
	}
	return true
}

// Check applies the header checks that end a connection in Core, cheapest
// first: the magic must be the network's (ErrBadMagic) and the length at most
// MaxPayloadSize (ErrPayloadTooLarge). It does not allocate.
func (h Header) Check(magic uint32) error {
	if h.Magic != magic {
		return ErrBadMagic
	}
	if h.Length > MaxPayloadSize {
		return ErrPayloadTooLarge
	}
	return nil
}

// VerifyChecksum reports ErrBadChecksum unless payload matches h.Checksum.
func (h Header) VerifyChecksum(payload []byte) error {
	if Checksum(payload) != h.Checksum {
		return ErrBadChecksum
	}
	return nil
}

// CommandName returns the header's command as a string (see CommandName).
func (h Header) CommandName() string { return CommandName(h.Command) }

// CommandName returns a raw command field as a string, without the NUL
// padding. Commands this package knows come back as the package's constant
// strings without allocating; others are copied.
func CommandName(raw [CommandSize]byte) string {
	n := 0
	for n < CommandSize && raw[n] != 0 {
		n++
	}
	// The compiler turns a switch on string(bytes) into comparisons that do
	// not allocate; every case returns the interned constant.
	switch string(raw[:n]) {
	case CmdVersion:
		return CmdVersion
	case CmdVerack:
		return CmdVerack
	case CmdPing:
		return CmdPing
	case CmdPong:
		return CmdPong
	case CmdGetAddr:
		return CmdGetAddr
	case CmdAddr:
		return CmdAddr
	case CmdAddrV2:
		return CmdAddrV2
	case CmdSendAddrV2:
		return CmdSendAddrV2
	case CmdWtxidRelay:
		return CmdWtxidRelay
	case CmdSendHeaders:
		return CmdSendHeaders
	case CmdFeeFilter:
		return CmdFeeFilter
	case CmdSendCmpct:
		return CmdSendCmpct
	case CmdInv:
		return CmdInv
	case CmdGetData:
		return CmdGetData
	case CmdNotFound:
		return CmdNotFound
	case CmdGetHeaders:
		return CmdGetHeaders
	case CmdHeaders:
		return CmdHeaders
	case CmdTx:
		return CmdTx
	case CmdBlock:
		return CmdBlock
	case CmdGetBlocks:
		return CmdGetBlocks
	case CmdMempool:
		return CmdMempool
	case CmdReject:
		return CmdReject
	case CmdMerkleBlock:
		return CmdMerkleBlock
	case CmdFilterLoad:
		return CmdFilterLoad
	case CmdFilterAdd:
		return CmdFilterAdd
	case CmdFilterClear:
		return CmdFilterClear
	case CmdCmpctBlock:
		return CmdCmpctBlock
	case CmdGetBlockTxn:
		return CmdGetBlockTxn
	case CmdBlockTxn:
		return CmdBlockTxn
	case CmdGetCFilters:
		return CmdGetCFilters
	case CmdCFilter:
		return CmdCFilter
	case CmdGetCFHeaders:
		return CmdGetCFHeaders
	case CmdCFHeaders:
		return CmdCFHeaders
	case CmdGetCFCheckpt:
		return CmdGetCFCheckpt
	case CmdCFCheckpt:
		return CmdCFCheckpt
	case CmdAlert:
		return CmdAlert
	}
	return string(raw[:n])
}

// Checksum returns the first four bytes of payload's double SHA-256, the
// header's checksum field. It does not allocate.
func Checksum(payload []byte) [4]byte {
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	return [4]byte(second[:4])
}

// AppendFrame appends a complete frame for msg (header and payload) to dst
// and returns the extended slice. The payload is encoded in place after room
// for the header, which is then filled in, so nothing but dst's own growth
// allocates. pver is the version negotiated with the peer.
func AppendFrame(dst []byte, magic uint32, msg Message, pver uint32) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	dst = msg.AppendPayload(dst, pver)
	putHeader(dst[start:], magic, msg.Command())
	return dst
}

// AppendRawFrame appends a complete frame with command cmd and the given
// payload to dst and returns the extended slice.
func AppendRawFrame(dst []byte, magic uint32, cmd string, payload []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	dst = append(dst, payload...)
	putHeader(dst[start:], magic, cmd)
	return dst
}

// putHeader fills the HeaderSize bytes at the front of frame, whose payload
// follows them. A command longer than CommandSize is a programming error and
// panics: truncating it would send a different message.
func putHeader(frame []byte, magic uint32, cmd string) {
	if len(cmd) > CommandSize {
		panic("protocol: command " + cmd + " longer than 12 bytes")
	}
	payload := frame[HeaderSize:]
	binary.LittleEndian.PutUint32(frame[0:4], magic)
	n := copy(frame[4:16], cmd)
	clear(frame[4+n : 16])
	binary.LittleEndian.PutUint32(frame[16:20], uint32(len(payload)))
	sum := Checksum(payload)
	copy(frame[20:24], sum[:])
}

// commandNames lists the commands this package knows, in CommandID order
// after the empty name of id 0. It is never written.
var commandNames = [...]string{"",
	CmdVersion, CmdVerack, CmdPing, CmdPong, CmdGetAddr, CmdAddr, CmdAddrV2,
	CmdSendAddrV2, CmdWtxidRelay, CmdSendHeaders, CmdFeeFilter, CmdSendCmpct,
	CmdInv, CmdGetData, CmdNotFound, CmdGetHeaders, CmdHeaders, CmdTx, CmdBlock,
	CmdGetBlocks, CmdMempool, CmdReject, CmdMerkleBlock, CmdFilterLoad,
	CmdFilterAdd, CmdFilterClear, CmdCmpctBlock, CmdGetBlockTxn, CmdBlockTxn,
	CmdGetCFilters, CmdCFilter, CmdGetCFHeaders, CmdCFHeaders, CmdGetCFCheckpt,
	CmdCFCheckpt, CmdAlert,
}

// NumCommands is the number of commands this package knows: CommandID
// returns 1 to NumCommands for them.
const NumCommands = len(commandNames) - 1

// CommandID returns a small number for a command this package knows, from
// 1 to NumCommands, and 0 for any other: a key for tables per command that
// a remote cannot grow by inventing commands.
func CommandID(cmd string) uint8 {
	for i := 1; i < len(commandNames); i++ {
		if commandNames[i] == cmd {
			return uint8(i)
		}
	}
	return 0
}

// CommandByID is the command of a CommandID, "" for 0 or an unknown id.
func CommandByID(id uint8) string {
	if int(id) < len(commandNames) {
		return commandNames[id]
	}
	return ""
}
