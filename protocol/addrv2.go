package protocol

// MsgAddrV2 is the addrv2 message (BIP155): up to MaxAddrPerMsg addresses of
// any network. Send it only to a peer that sent sendaddrv2.
type MsgAddrV2 struct {
	AddrList []NetAddressV2
}

// Command returns "addrv2".
func (m *MsgAddrV2) Command() string { return CmdAddrV2 }

// AppendPayload appends the count and the entries. It does not enforce
// MaxAddrPerMsg: split longer lists.
func (m *MsgAddrV2) AppendPayload(dst []byte, _ uint32) []byte {
	dst = AppendCompactSize(dst, uint64(len(m.AddrList)))
	for i := range m.AddrList {
		dst = appendNetAddressV2(dst, &m.AddrList[i])
	}
	return dst
}

// minAddrV2Entry is the smallest entry on the wire: timestamp, one-byte
// services, network id, zero address length, port.
const minAddrV2Entry = 4 + 1 + 1 + 1 + 2

// DecodePayload decodes the list. More than MaxAddrPerMsg entries wraps
// ErrTooMany; a known network with the wrong address length wraps
// ErrBadAddress. Entries Core reads but ignores (unknown network ids, Tor v2,
// IPv4 or Tor v2 hidden in IPv6) are left out of AddrList.
func (m *MsgAddrV2) DecodePayload(b []byte, _ uint32) error {
	m.AddrList = nil
	r := newReader(CmdAddrV2, b)
	n := r.count("count", MaxAddrPerMsg, minAddrV2Entry)
	if r.err != nil || n == 0 {
		return r.finish()
	}
	list := make([]NetAddressV2, n)
	kept := 0
	for i := 0; i < n; i++ {
		r.enter("entry", i)
		if r.netAddressV2(&list[kept]) {
			kept++
		}
		if r.err != nil {
			return r.finish()
		}
	}
	if kept > 0 {
		clear(list[kept:])
		m.AddrList = list[:kept:kept]
	}
	return nil
}
