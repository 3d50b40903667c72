package protocol

import "encoding/binary"

// MsgGetHeaders is the getheaders message: asks for the headers after the
// first locator hash the peer knows, up to HashStop (zero: as many as fit in
// one headers message).
type MsgGetHeaders struct {
	// ProtocolVersion is the sender's version (Core sends its own and
	// ignores the field on receipt).
	ProtocolVersion uint32
	// BlockLocatorHashes run from the tip back to genesis, densest near the
	// tip; at most MaxLocatorHashes.
	BlockLocatorHashes []Hash
	// HashStop is the last header wanted, or zero.
	HashStop Hash
}

// Command returns "getheaders".
func (m *MsgGetHeaders) Command() string { return CmdGetHeaders }

// AppendPayload appends the message. It does not enforce MaxLocatorHashes.
func (m *MsgGetHeaders) AppendPayload(dst []byte, _ uint32) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, m.ProtocolVersion)
	dst = AppendCompactSize(dst, uint64(len(m.BlockLocatorHashes)))
	for i := range m.BlockLocatorHashes {
		dst = append(dst, m.BlockLocatorHashes[i][:]...)
	}
	return append(dst, m.HashStop[:]...)
}

// DecodePayload decodes the message; more than MaxLocatorHashes hashes wraps
// ErrTooMany (Core disconnects for it).
func (m *MsgGetHeaders) DecodePayload(b []byte, _ uint32) error {
	*m = MsgGetHeaders{}
	r := newReader(CmdGetHeaders, b)
	m.ProtocolVersion = r.u32("protocol_version")
	n := r.count("locator_count", MaxLocatorHashes, HashSize)
	if r.err != nil {
		return r.finish()
	}
	if n > 0 {
		m.BlockLocatorHashes = make([]Hash, n)
		for i := range m.BlockLocatorHashes {
			m.BlockLocatorHashes[i] = Hash(r.b[:HashSize])
			r.b = r.b[HashSize:]
		}
	}
	m.HashStop = r.hash("hash_stop")
	if err := r.finish(); err != nil {
		*m = MsgGetHeaders{}
		return err
	}
	return nil
}
