package protocol

// MsgAddr is the addr message: up to MaxAddrPerMsg addresses, each with its
// timestamp (the 30-byte form; every version we accept has it).
type MsgAddr struct {
	AddrList []NetAddress
}

// Command returns "addr".
func (m *MsgAddr) Command() string { return CmdAddr }

// AppendPayload appends the count and the entries. It does not enforce
// MaxAddrPerMsg: split longer lists.
func (m *MsgAddr) AppendPayload(dst []byte, _ uint32) []byte {
	dst = AppendCompactSize(dst, uint64(len(m.AddrList)))
	for i := range m.AddrList {
		dst = appendNetAddress(dst, &m.AddrList[i], true)
	}
	return dst
}

// DecodePayload decodes the list; more than MaxAddrPerMsg entries is an
// error wrapping ErrTooMany (Core treats it as misbehaviour).
func (m *MsgAddr) DecodePayload(b []byte, _ uint32) error {
	r := newReader(CmdAddr, b)
	n := r.count("count", MaxAddrPerMsg, NetAddressTimeSize)
	m.AddrList = nil
	if r.err != nil || n == 0 {
		return r.finish()
	}
	m.AddrList = make([]NetAddress, n)
	for i := range m.AddrList {
		r.enter("entry", i)
		r.netAddress("", &m.AddrList[i], true)
	}
	r.leave()
	return r.finish()
}
