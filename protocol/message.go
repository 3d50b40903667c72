package protocol

import (
	"errors"
	"strconv"
)

// Protocol versions (Core's version.h).
const (
	// ProtocolVersion is the version we speak and announce.
	ProtocolVersion uint32 = 70016
	// MinPeerProtocolVersion is the oldest version we accept from a peer
	// (Core's MIN_PEER_PROTO_VERSION).
	MinPeerProtocolVersion = 31800
	// BIP0031Version is the last version before BIP31: ping carries a nonce
	// and pong exists only above it.
	BIP0031Version = 60000
	// SendHeadersVersion is the first version with sendheaders (BIP130).
	SendHeadersVersion = 70012
	// FeeFilterVersion is the first version with feefilter (BIP133).
	FeeFilterVersion = 70013
	// ShortIDsBlocksVersion is the first version with compact blocks (BIP152).
	ShortIDsBlocksVersion = 70014
	// InvalidCBNoBanVersion is the first version that is not banned for
	// relaying an invalid compact block.
	InvalidCBNoBanVersion = 70015
	// WtxidRelayVersion is the first version with wtxidrelay (BIP339).
	WtxidRelayVersion = 70016
)

// Sizes and limits of the wire format.
const (
	// HeaderSize is the size of a message header: magic, command, length,
	// checksum.
	HeaderSize = 24
	// CommandSize is the size of the NUL-padded command field.
	CommandSize = 12
	// MaxPayloadSize is the largest payload accepted (Core's
	// MAX_PROTOCOL_MESSAGE_LENGTH).
	MaxPayloadSize = 4_000_000
	// MaxUserAgentLength is the longest version user agent (Core's
	// MAX_SUBVERSION_LENGTH).
	MaxUserAgentLength = 256
	// MaxAddrPerMsg is the most entries in addr or addrv2 (Core's
	// MAX_ADDR_TO_SEND).
	MaxAddrPerMsg = 1000
	// MaxInvPerMsg is the most entries in inv, getdata and notfound (Core's
	// MAX_INV_SZ).
	MaxInvPerMsg = 50_000
	// MaxHeadersPerMsg is the most headers in one headers message (Core's
	// MAX_HEADERS_RESULTS).
	MaxHeadersPerMsg = 2000
	// MaxLocatorHashes is the most hashes in a block locator (Core's
	// MAX_LOCATOR_SZ).
	MaxLocatorHashes = 101
	// MaxFilterLoadFilterSize is the largest bloom filter in filterload
	// (BIP37; Core's MAX_BLOOM_FILTER_SIZE).
	MaxFilterLoadFilterSize = 36_000
	// MaxFilterLoadHashFuncs is the most hash functions a filterload may
	// ask for (BIP37; Core's MAX_HASH_FUNCS).
	MaxFilterLoadHashFuncs = 50
	// MaxFilterAddDataSize is the largest filteradd element (BIP37; Core's
	// MAX_SCRIPT_ELEMENT_SIZE).
	MaxFilterAddDataSize = 520
	// MaxGetCFiltersSize is the most filters one getcfilters may ask for
	// (BIP157; Core's MAX_GETCFILTERS_SIZE). The range is checked against
	// the chain by the receiver, not by the decoder.
	MaxGetCFiltersSize = 1000
	// MaxGetCFHeadersSize is the most filter hashes one getcfheaders may ask
	// for (BIP157; Core's MAX_GETCFHEADERS_SIZE), and so the most a cfheaders
	// message may carry.
	MaxGetCFHeadersSize = 2000
	// MaxCFHeadersPerMsg is the most filter hashes in one cfheaders message
	// (BIP157).
	MaxCFHeadersPerMsg = MaxGetCFHeadersSize
	// MaxRejectMessageLength is the longest reason in a reject message
	// (BIP61; Core's MAX_REJECT_MESSAGE_LENGTH before it dropped reject).
	MaxRejectMessageLength = 111
)

// Command names, as they appear NUL-padded in the message header (Core's
// NetMsgType, plus reject and alert, which Core no longer handles). Each has a
// typed Message here; Decode returns any other command as *MsgRaw.
const (
	CmdVersion      = "version"
	CmdVerack       = "verack"
	CmdPing         = "ping"
	CmdPong         = "pong"
	CmdGetAddr      = "getaddr"
	CmdAddr         = "addr"
	CmdAddrV2       = "addrv2"
	CmdSendAddrV2   = "sendaddrv2"
	CmdWtxidRelay   = "wtxidrelay"
	CmdSendHeaders  = "sendheaders"
	CmdFeeFilter    = "feefilter"
	CmdSendCmpct    = "sendcmpct"
	CmdInv          = "inv"
	CmdGetData      = "getdata"
	CmdNotFound     = "notfound"
	CmdGetHeaders   = "getheaders"
	CmdHeaders      = "headers"
	CmdTx           = "tx"
	CmdBlock        = "block"
	CmdGetBlocks    = "getblocks"
	CmdMempool      = "mempool"
	CmdReject       = "reject"
	CmdMerkleBlock  = "merkleblock"
	CmdFilterLoad   = "filterload"
	CmdFilterAdd    = "filteradd"
	CmdFilterClear  = "filterclear"
	CmdCmpctBlock   = "cmpctblock"
	CmdGetBlockTxn  = "getblocktxn"
	CmdBlockTxn     = "blocktxn"
	CmdGetCFilters  = "getcfilters"
	CmdCFilter      = "cfilter"
	CmdGetCFHeaders = "getcfheaders"
	CmdCFHeaders    = "cfheaders"
	CmdGetCFCheckpt = "getcfcheckpt"
	CmdCFCheckpt    = "cfcheckpt"
	CmdAlert        = "alert"
)

// Sentinel errors; test for them with errors.Is. Decoders wrap them in a
// *DecodeError naming the message and field.
var (
	// ErrBadMagic: a header's magic is not the network's.
	ErrBadMagic = errors.New("bad magic")
	// ErrPayloadTooLarge: a header announces more than MaxPayloadSize bytes.
	ErrPayloadTooLarge = errors.New("payload too large")
	// ErrBadChecksum: a payload does not match its header's checksum.
	ErrBadChecksum = errors.New("bad checksum")
	// ErrBadCommand: a header's command is not printable ASCII padded with
	// NULs.
	ErrBadCommand = errors.New("bad command")
	// ErrShortInput: the input ends before the field does.
	ErrShortInput = errors.New("short input")
	// ErrNonCanonical: a CompactSize is not in its shortest encoding.
	ErrNonCanonical = errors.New("non-canonical compact size")
	// ErrTooMany: a list has more entries than the message allows.
	ErrTooMany = errors.New("too many entries")
	// ErrTooLarge: a size or length exceeds its limit (CompactSize above
	// MaxCompactSize, a user agent above MaxUserAgentLength).
	ErrTooLarge = errors.New("too large")
	// ErrBadAddress: an addrv2 address has the wrong length for its network.
	ErrBadAddress = errors.New("bad address")
	// ErrNonZeroTxCount: a header in a headers message is followed by a
	// transaction count other than zero. No decoder returns it any more:
	// Core reads that count and ignores its value, and so does
	// MsgHeaders.DecodePayload. It stays for callers that name it.
	ErrNonZeroTxCount = errors.New("non-zero transaction count")
	// ErrSuperfluousWitness: a transaction sets the witness flag but every
	// input's witness is empty (Core: "Superfluous witness record").
	ErrSuperfluousWitness = errors.New("superfluous witness record")
	// ErrUnknownTxFlag: a transaction's flag byte has bits other than the
	// witness bit (Core: "Unknown transaction optional data").
	ErrUnknownTxFlag = errors.New("unknown transaction optional data")
	// ErrIndexOverflow: a compact block's or getblocktxn's differential
	// index runs past 65535, or a compact block holds more than 65535
	// transactions (Core: "differential value overflow", "indexes
	// overflowed 16 bits").
	ErrIndexOverflow = errors.New("index overflows 16 bits")
	// ErrBadAnnounce: a sendcmpct's announce byte is neither 0 nor 1
	// (BIP152; Core: "invalid sendcmpct announce field").
	ErrBadAnnounce = errors.New("announce is neither 0 nor 1")
	// ErrUnknownNetwork: Network was given a name it does not know.
	ErrUnknownNetwork = errors.New("unknown network")
)

// DecodeError is the error every decoder returns: which message, which field
// (with the entry index inside lists) and what went wrong. Its text reads
// "decode addr: entry 3: port: short input".
type DecodeError struct {
	// Command is the message's command name.
	Command string
	// Field names the field, prefixed with the list entry when inside one.
	Field string
	// Err is the cause: one of the sentinels, or a *LimitError.
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	s := "decode " + e.Command
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Err == nil {
		return s
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrShortInput) works.
func (e *DecodeError) Unwrap() error { return e.Err }

// LimitError reports a count or size over its maximum, with both numbers so
// a caller can log or score them. It unwraps to Err (ErrTooMany or
// ErrTooLarge).
type LimitError struct {
	Value, Max uint64
	Err        error
}

// Error implements error.
func (e *LimitError) Error() string {
	return e.Err.Error() + ": " + strconv.FormatUint(e.Value, 10) + " > " + strconv.FormatUint(e.Max, 10)
}

// Unwrap returns ErrTooMany or ErrTooLarge.
func (e *LimitError) Unwrap() error { return e.Err }

// Message is one typed protocol message.
type Message interface {
	// Command returns the message's command name.
	Command() string
	// AppendPayload appends the encoded payload to dst and returns the
	// extended slice. pver is the protocol version negotiated with the peer
	// (layouts of a few messages depend on it).
	AppendPayload(dst []byte, pver uint32) []byte
	// DecodePayload replaces the message's fields with those decoded from b.
	// Bytes after the last field are ignored, as Core does. The message
	// keeps no reference to b.
	DecodePayload(b []byte, pver uint32) error
}

// newMessage is the dispatch table from command to typed message: nil for a
// command without one.
func newMessage(cmd string) Message {
	switch cmd {
	case CmdVersion:
		return new(MsgVersion)
	case CmdVerack:
		return new(MsgVerack)
	case CmdPing:
		return new(MsgPing)
	case CmdPong:
		return new(MsgPong)
	case CmdGetAddr:
		return new(MsgGetAddr)
	case CmdAddr:
		return new(MsgAddr)
	case CmdAddrV2:
		return new(MsgAddrV2)
	case CmdSendAddrV2:
		return new(MsgSendAddrV2)
	case CmdWtxidRelay:
		return new(MsgWtxidRelay)
	case CmdSendHeaders:
		return new(MsgSendHeaders)
	case CmdFeeFilter:
		return new(MsgFeeFilter)
	case CmdSendCmpct:
		return new(MsgSendCmpct)
	case CmdInv:
		return new(MsgInv)
	case CmdGetData:
		return new(MsgGetData)
	case CmdNotFound:
		return new(MsgNotFound)
	case CmdGetHeaders:
		return new(MsgGetHeaders)
	case CmdHeaders:
		return new(MsgHeaders)
	case CmdGetBlocks:
		return new(MsgGetBlocks)
	case CmdTx:
		return new(MsgTx)
	case CmdBlock:
		return new(MsgBlock)
	case CmdMempool:
		return new(MsgMempool)
	case CmdReject:
		return new(MsgReject)
	case CmdAlert:
		return new(MsgAlert)
	case CmdCmpctBlock:
		return new(MsgCmpctBlock)
	case CmdGetBlockTxn:
		return new(MsgGetBlockTxn)
	case CmdBlockTxn:
		return new(MsgBlockTxn)
	case CmdFilterLoad:
		return new(MsgFilterLoad)
	case CmdFilterAdd:
		return new(MsgFilterAdd)
	case CmdFilterClear:
		return new(MsgFilterClear)
	case CmdMerkleBlock:
		return new(MsgMerkleBlock)
	case CmdGetCFilters:
		return new(MsgGetCFilters)
	case CmdCFilter:
		return new(MsgCFilter)
	case CmdGetCFHeaders:
		return new(MsgGetCFHeaders)
	case CmdCFHeaders:
		return new(MsgCFHeaders)
	case CmdGetCFCheckpt:
		return new(MsgGetCFCheckpt)
	case CmdCFCheckpt:
		return new(MsgCFCheckpt)
	}
	return nil
}

// Decode decodes payload as the message named cmd, for a peer speaking pver.
// A command without a typed message here (one we have never heard of) comes
// back as a *MsgRaw holding a copy of the payload, with a nil error: the
// caller decides whether to route, count or drop it, as Core ignores unknown
// commands. The result keeps no reference to payload.
func Decode(cmd string, payload []byte, pver uint32) (Message, error) {
	msg := newMessage(cmd)
	if msg == nil {
		msg = &MsgRaw{Cmd: cmd}
	}
	if err := msg.DecodePayload(payload, pver); err != nil {
		return nil, err
	}
	return msg, nil
}

// MsgRaw is a message kept as its command and undecoded payload: any command
// without a typed message in this package.
type MsgRaw struct {
	Cmd     string
	Payload []byte
}

// Command returns Cmd.
func (m *MsgRaw) Command() string { return m.Cmd }

// AppendPayload appends Payload unchanged.
func (m *MsgRaw) AppendPayload(dst []byte, _ uint32) []byte { return append(dst, m.Payload...) }

// DecodePayload stores a copy of b.
func (m *MsgRaw) DecodePayload(b []byte, _ uint32) error {
	m.Payload = append([]byte(nil), b...)
	return nil
}
