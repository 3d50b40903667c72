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
	return appendLocator(dst, m.ProtocolVersion, m.BlockLocatorHashes, &m.HashStop)
}

// DecodePayload decodes the message; more than MaxLocatorHashes hashes wraps
// ErrTooMany (Core disconnects for it).
func (m *MsgGetHeaders) DecodePayload(b []byte, _ uint32) error {
	*m = MsgGetHeaders{}
	var err error
	m.ProtocolVersion, m.BlockLocatorHashes, m.HashStop, err = decodeLocator(CmdGetHeaders, b)
	return err
}

// appendLocator appends the layout getheaders and getblocks share: version,
// locator, stop hash.
func appendLocator(dst []byte, pver uint32, locator []Hash, stop *Hash) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, pver)
	dst = appendHashList(dst, locator)
	return append(dst, stop[:]...)
}

// decodeLocator decodes the layout getheaders and getblocks share; on error
// every result is zero.
func decodeLocator(cmd string, b []byte) (pver uint32, locator []Hash, stop Hash, err error) {
	r := newReader(cmd, b)
	pver = r.u32("protocol_version")
	locator = r.hashList("locator_count", MaxLocatorHashes)
	stop = r.hash("hash_stop")
	if err := r.finish(); err != nil {
		return 0, nil, Hash{}, err
	}
	return pver, locator, stop, nil
}
