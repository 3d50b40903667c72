package protocol

import "encoding/binary"

// BloomUpdateType says when a BIP37 filter adds the outpoints of matched
// outputs (Core's bloomflags).
type BloomUpdateType uint8

// BIP37 update types.
const (
	// BloomUpdateNone never adds outpoints.
	BloomUpdateNone BloomUpdateType = 0
	// BloomUpdateAll adds the outpoint of every matched output.
	BloomUpdateAll BloomUpdateType = 1
	// BloomUpdateP2PubkeyOnly adds outpoints of matched pay-to-pubkey and
	// bare multisig outputs only.
	BloomUpdateP2PubkeyOnly BloomUpdateType = 2
)

// MsgFilterLoad is the filterload message (BIP37): a bloom filter the peer
// should match transactions against before relaying them.
type MsgFilterLoad struct {
	// Filter is the bit field, at most MaxFilterLoadFilterSize bytes.
	Filter []byte
	// HashFuncs is the number of hash functions, at most
	// MaxFilterLoadHashFuncs.
	HashFuncs uint32
	// Tweak seeds the hash functions.
	Tweak uint32
	// Flags is the update type (other values decode; Core masks them).
	Flags BloomUpdateType
}

// Command returns "filterload".
func (m *MsgFilterLoad) Command() string { return CmdFilterLoad }

// AppendPayload appends the message. It does not enforce the limits.
func (m *MsgFilterLoad) AppendPayload(dst []byte, _ uint32) []byte {
	dst = appendVarBytes(dst, m.Filter)
	dst = binary.LittleEndian.AppendUint32(dst, m.HashFuncs)
	dst = binary.LittleEndian.AppendUint32(dst, m.Tweak)
	return append(dst, byte(m.Flags))
}

// DecodePayload decodes the message. A filter over MaxFilterLoadFilterSize
// bytes or more than MaxFilterLoadHashFuncs hash functions wraps
// ErrTooLarge: Core decodes such a filter, finds it outside
// IsWithinSizeConstraints and disconnects.
func (m *MsgFilterLoad) DecodePayload(b []byte, _ uint32) error {
	*m = MsgFilterLoad{}
	r := newReader(CmdFilterLoad, b)
	filter := r.varBytes("filter", MaxFilterLoadFilterSize)
	funcs := r.u32("hash_funcs")
	if r.err == nil && funcs > MaxFilterLoadHashFuncs {
		r.fail("hash_funcs", &LimitError{Value: uint64(funcs), Max: MaxFilterLoadHashFuncs, Err: ErrTooLarge})
	}
	tweak := r.u32("tweak")
	flags := r.u8("flags")
	if err := r.finish(); err != nil {
		return err
	}
	*m = MsgFilterLoad{Filter: filter, HashFuncs: funcs, Tweak: tweak, Flags: BloomUpdateType(flags)}
	return nil
}
