package protocol

// MsgGetBlocks is the getblocks message: asks for an inv of the blocks after
// the first locator hash the peer knows, up to HashStop (zero: up to 500).
type MsgGetBlocks struct {
	// ProtocolVersion is the sender's version (Core ignores it on receipt).
	ProtocolVersion uint32
	// BlockLocatorHashes run from the tip back to genesis, densest near the
	// tip; at most MaxLocatorHashes.
	BlockLocatorHashes []Hash
	// HashStop is the last block wanted, or zero.
	HashStop Hash
}

// Command returns "getblocks".
func (m *MsgGetBlocks) Command() string { return CmdGetBlocks }

// AppendPayload appends the message. It does not enforce MaxLocatorHashes.
func (m *MsgGetBlocks) AppendPayload(dst []byte, _ uint32) []byte {
	return appendLocator(dst, m.ProtocolVersion, m.BlockLocatorHashes, &m.HashStop)
}

// DecodePayload decodes the message; more than MaxLocatorHashes hashes wraps
// ErrTooMany (Core disconnects for it).
func (m *MsgGetBlocks) DecodePayload(b []byte, _ uint32) error {
	*m = MsgGetBlocks{}
	var err error
	m.ProtocolVersion, m.BlockLocatorHashes, m.HashStop, err = decodeLocator(CmdGetBlocks, b)
	return err
}
