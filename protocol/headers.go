package protocol

// MsgHeaders is the headers message: up to MaxHeadersPerMsg block headers,
// each followed on the wire by a transaction count that is always zero.
type MsgHeaders struct {
	Headers []BlockHeader
}

// Command returns "headers".
func (m *MsgHeaders) Command() string { return CmdHeaders }

// AppendPayload appends the count and each header with a zero transaction
// count. It does not enforce MaxHeadersPerMsg.
func (m *MsgHeaders) AppendPayload(dst []byte, _ uint32) []byte {
	dst = AppendCompactSize(dst, uint64(len(m.Headers)))
	for i := range m.Headers {
		dst = append(appendBlockHeader(dst, &m.Headers[i]), 0)
	}
	return dst
}

// DecodePayload decodes the headers. More than MaxHeadersPerMsg wraps
// ErrTooMany; a transaction count other than zero is ErrNonZeroTxCount
// (Core reads and ignores it; a headers message never carries transactions,
// so we reject it, as btcd does).
func (m *MsgHeaders) DecodePayload(b []byte, _ uint32) error {
	m.Headers = nil
	r := newReader(CmdHeaders, b)
	n := r.count("count", MaxHeadersPerMsg, BlockHeaderSize+1)
	if r.err != nil || n == 0 {
		return r.finish()
	}
	m.Headers = make([]BlockHeader, n)
	for i := range m.Headers {
		r.enter("header", i)
		// count made sure of 81 bytes per header; only a longer tx count,
		// which fails below, could break that.
		if len(r.b) < BlockHeaderSize+1 {
			r.fail("header", ErrShortInput)
			m.Headers = nil
			return r.finish()
		}
		parseBlockHeader(&m.Headers[i], r.b)
		r.b = r.b[BlockHeaderSize:]
		if r.b[0] == 0 {
			r.b = r.b[1:]
			continue
		}
		if txs := r.compactSize("tx_count"); r.err == nil && txs != 0 {
			r.fail("tx_count", ErrNonZeroTxCount)
		}
		if r.err != nil {
			m.Headers = nil
			return r.finish()
		}
	}
	return nil
}
