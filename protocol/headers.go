package protocol

// MsgHeaders is the headers message: up to MaxHeadersPerMsg block headers,
// each followed on the wire by a transaction count (always zero when sent).
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
// ErrTooMany. The transaction count after each header is read as a
// CompactSize (so it must be canonical and at most MaxCompactSize) and its
// value ignored, as Core's ProcessMessage does ("ignore tx count; assume it
// is 0").
func (m *MsgHeaders) DecodePayload(b []byte, _ uint32) error {
	m.Headers = nil
	r := newReader(CmdHeaders, b)
	n := r.count("count", MaxHeadersPerMsg, BlockHeaderSize+1)
	if r.err != nil || n == 0 {
		return r.finish()
	}
	headers := make([]BlockHeader, n)
	for i := range headers {
		r.enter("header", i)
		// count made sure of 81 bytes per header; only a longer tx count
		// could break that.
		if len(r.b) < BlockHeaderSize+1 {
			r.fail("header", ErrShortInput)
			return r.finish()
		}
		parseBlockHeader(&headers[i], r.b)
		if c := r.b[BlockHeaderSize]; c < 0xfd {
			r.b = r.b[BlockHeaderSize+1:]
			continue
		}
		r.b = r.b[BlockHeaderSize:]
		if r.compactSize("tx_count"); r.err != nil {
			return r.finish()
		}
	}
	m.Headers = headers
	return nil
}
