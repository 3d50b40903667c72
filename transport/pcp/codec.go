package pcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/actornode/actornode/transport/portmap"
)

// Protocol constants of RFC 6887.
const (
	// Version is the PCP version this package speaks.
	Version = 2
	// Port is the UDP port PCP (and NAT-PMP) servers listen on.
	Port = 5351
	// OpMap is the MAP opcode (RFC 6887 section 11).
	OpMap = 1
	// responseBit marks a response's opcode (the R bit).
	responseBit = 0x80

	headerSize = 24
	mapSize    = 36
	// RequestSize is the length of a MAP request without options.
	RequestSize = headerSize + mapSize
	// MaxMessageSize is the largest PCP message (RFC 6887 section 7).
	MaxMessageSize = 1100
	// NonceSize is the length of a mapping nonce.
	NonceSize = 12
)

// IANA protocol numbers of the MAP opcode's protocol field.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// Result codes (RFC 6887 section 7.4).
const (
	ResultSuccess               = 0
	ResultUnsuppVersion         = 1
	ResultNotAuthorized         = 2
	ResultMalformedRequest      = 3
	ResultUnsuppOpcode          = 4
	ResultUnsuppOption          = 5
	ResultMalformedOption       = 6
	ResultNetworkFailure        = 7
	ResultNoResources           = 8
	ResultUnsuppProtocol        = 9
	ResultUserExQuota           = 10
	ResultCannotProvideExternal = 11
	ResultAddressMismatch       = 12
	ResultExcessiveRemotePeers  = 13
)

var resultNames = [...]string{
	"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST", "UNSUPP_OPCODE",
	"UNSUPP_OPTION", "MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL",
	"USER_EX_QUOTA", "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS",
}

// ResultError is a response with a result code other than success.
type ResultError struct {
	// Version is the version of the response: 0 means a NAT-PMP server
	// answered.
	Version uint8
	Code    uint8
	// Lifetime is, for an error, how long the server says the condition
	// lasts (seconds).
	Lifetime uint32
}

// Error implements error.
func (e *ResultError) Error() string {
	name := "unknown"
	if int(e.Code) < len(resultNames) {
		name = resultNames[e.Code]
	}
	if e.Version != Version {
		return fmt.Sprintf("pcp: version %d server answered result code %d (%s)", e.Version, e.Code, name)
	}
	return fmt.Sprintf("pcp: result code %d (%s)", e.Code, name)
}

// Unwrap gives the portmap error kind of the code.
func (e *ResultError) Unwrap() error {
	switch e.Code {
	case ResultUnsuppVersion, ResultUnsuppOpcode, ResultUnsuppOption, ResultUnsuppProtocol:
		return portmap.ErrUnsupported
	case ResultNotAuthorized:
		return portmap.ErrRefused
	case ResultNetworkFailure:
		return portmap.ErrNoPublicAddress
	case ResultNoResources, ResultUserExQuota, ResultExcessiveRemotePeers:
		return portmap.ErrNoResources
	case ResultCannotProvideExternal:
		return portmap.ErrPortConflict
	}
	return portmap.ErrBadResponse
}

// MapRequest is a MAP request (RFC 6887 sections 7.1 and 11.1).
type MapRequest struct {
	// Lifetime is the requested lifetime in seconds; 0 deletes the mapping.
	Lifetime uint32
	// Client is our address as the server sees it (the source address of
	// the request).
	Client netip.Addr
	// Nonce identifies the mapping; renewals and the delete repeat it.
	Nonce [NonceSize]byte
	// Protocol is ProtoTCP or ProtoUDP.
	Protocol uint8
	// InternalPort is the port we listen on.
	InternalPort uint16
	// SuggestedPort and SuggestedIP are the external port and address we
	// would like (zero: no preference).
	SuggestedPort uint16
	SuggestedIP   netip.Addr
}

// AppendMapRequest appends the encoded request to dst.
func AppendMapRequest(dst []byte, r *MapRequest) []byte {
	var b [RequestSize]byte
	b[0] = Version
	b[1] = OpMap
	binary.BigEndian.PutUint32(b[4:8], r.Lifetime)
	putAddr(b[8:24], r.Client)
	m := b[headerSize:]
	copy(m[0:12], r.Nonce[:])
	m[12] = r.Protocol
	binary.BigEndian.PutUint16(m[16:18], r.InternalPort)
	binary.BigEndian.PutUint16(m[18:20], r.SuggestedPort)
	putAddr(m[20:36], r.SuggestedIP)
	return append(dst, b[:]...)
}

// MapResponse is a successful MAP response.
type MapResponse struct {
	// Lifetime is the granted lifetime in seconds.
	Lifetime uint32
	// Epoch is the server's seconds since its start of epoch.
	Epoch    uint32
	Nonce    [NonceSize]byte
	Protocol uint8
	// InternalPort echoes the request's.
	InternalPort uint16
	// External is the address and port the server assigned.
	External netip.AddrPort
}

// Errors of DecodeMapResponse besides *ResultError.
var (
	// ErrShort: fewer bytes than a response header (or a MAP response).
	ErrShort = errors.New("short response")
	// ErrNotResponse: the R bit is clear or the opcode is not MAP.
	ErrNotResponse = errors.New("not a MAP response")
)

// DecodeMapResponse decodes a response. A server of another version (a
// NAT-PMP gateway answers with version 0) gives a *ResultError with code
// ResultUnsuppVersion, whatever its own layout; a non-zero result code gives
// a *ResultError; anything malformed wraps portmap.ErrBadResponse. Options
// after the MAP payload are ignored.
func DecodeMapResponse(b []byte) (*MapResponse, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("decode pcp response: %w: %w: %d bytes", portmap.ErrBadResponse, ErrShort, len(b))
	}
	if b[0] != Version {
		// RFC 6887 section 9: a NAT-PMP server answers version 0, result 1.
		return nil, &ResultError{Version: b[0], Code: ResultUnsuppVersion}
	}
	if len(b) < headerSize {
		return nil, fmt.Errorf("decode pcp response: %w: %w: %d bytes", portmap.ErrBadResponse, ErrShort, len(b))
	}
	if b[1] != responseBit|OpMap {
		return nil, fmt.Errorf("decode pcp response: %w: %w: opcode byte %#02x", portmap.ErrBadResponse, ErrNotResponse, b[1])
	}
	lifetime := binary.BigEndian.Uint32(b[4:8])
	if code := b[3]; code != ResultSuccess {
		return nil, &ResultError{Version: Version, Code: code, Lifetime: lifetime}
	}
	if len(b) < RequestSize {
		return nil, fmt.Errorf("decode pcp response: %w: %w: %d bytes, a MAP response has %d", portmap.ErrBadResponse, ErrShort, len(b), RequestSize)
	}
	r := &MapResponse{Lifetime: lifetime, Epoch: binary.BigEndian.Uint32(b[8:12])}
	m := b[headerSize:]
	copy(r.Nonce[:], m[0:12])
	r.Protocol = m[12]
	r.InternalPort = binary.BigEndian.Uint16(m[16:18])
	ip := netip.AddrFrom16([16]byte(m[20:36])).Unmap()
	r.External = netip.AddrPortFrom(ip, binary.BigEndian.Uint16(m[18:20]))
	return r, nil
}

// putAddr writes a as the RFC's 16-byte field: IPv4 mapped into IPv6
// (IPv4 "no preference" is ::ffff:0.0.0.0, netip.IPv4Unspecified), the
// invalid address as all zeros.
func putAddr(dst []byte, a netip.Addr) {
	if !a.IsValid() {
		clear(dst)
		return
	}
	raw := a.As16()
	copy(dst, raw[:])
}
