package protocol

import (
	"encoding/binary"
	"net/netip"
)

// NetAddress is an address entry of the version and addr messages: service
// bits, an IPv6 address (IPv4 travels IPv4-mapped, ::ffff:a.b.c.d) and a
// big-endian port, preceded in addr by a timestamp. In Go, Addr holds IPv4
// unmapped (netip.AddrFrom4), so comparisons and AddrPort behave naturally.
type NetAddress struct {
	// Timestamp is when the address was last seen, in Unix seconds. It is
	// not on the wire inside version, where it stays zero.
	Timestamp uint32
	// Services are the service bits the address's node announced.
	Services ServiceFlag
	// Addr is the address. The zero Addr is sent as :: (sixteen zero bytes),
	// and sixteen zero bytes decode as the zero Addr: Core sends that for an
	// address it does not know (version's addr_from).
	Addr netip.Addr
	// Port is the TCP port.
	Port uint16
}

// Wire sizes of a NetAddress.
const (
	// NetAddressSize is an entry without timestamp (inside version).
	NetAddressSize = 26
	// NetAddressTimeSize is an entry with timestamp (inside addr).
	NetAddressTimeSize = 30
)

// AddrPort returns Addr and Port together.
func (a NetAddress) AddrPort() netip.AddrPort { return netip.AddrPortFrom(a.Addr, a.Port) }

// appendNetAddress appends a in its 26-byte form, or its 30-byte form when
// withTime is set.
func appendNetAddress(dst []byte, a *NetAddress, withTime bool) []byte {
	if withTime {
		dst = binary.LittleEndian.AppendUint32(dst, a.Timestamp)
	}
	dst = binary.LittleEndian.AppendUint64(dst, uint64(a.Services))
	ip := a.Addr.As16() // IPv4 comes out IPv4-mapped; the zero Addr as ::
	dst = append(dst, ip[:]...)
	return binary.BigEndian.AppendUint16(dst, a.Port)
}

// netAddress reads one entry in its 26- or 30-byte form; field names it in
// errors ("addr_recv: port: short input"); inside a list it is empty and
// the reader's entry prefix names it.
func (r *reader) netAddress(field string, a *NetAddress, withTime bool) {
	size := NetAddressSize
	if withTime {
		size = NetAddressTimeSize
	}
	if r.err != nil {
		return
	}
	if len(r.b) < size {
		// Name the sub-field the input ends in.
		sub, end := "port", len(r.b)
		switch off := size - NetAddressSize; {
		case withTime && end < 4:
			sub = "timestamp"
		case end < off+8:
			sub = "services"
		case end < off+24:
			sub = "ip"
		}
		if field != "" {
			sub = field + ": " + sub
		}
		r.fail(sub, ErrShortInput)
		return
	}
	b := r.b[:size]
	r.b = r.b[size:]
	if withTime {
		a.Timestamp = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	a.Services = ServiceFlag(binary.LittleEndian.Uint64(b))
	a.Addr = netip.Addr{}
	if ip := [16]byte(b[8:24]); ip != [16]byte{} {
		a.Addr = netip.AddrFrom16(ip).Unmap()
	}
	a.Port = binary.BigEndian.Uint16(b[24:26])
}
