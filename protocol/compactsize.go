package protocol

import "encoding/binary"

// MaxCompactSize is the largest CompactSize ReadCompactSize accepts (Core's
// MAX_SIZE): 32 MiB, far above any count or length a message can hold, so a
// larger value can only be an attack or garbage.
const MaxCompactSize = 0x02000000

// CompactSizeLen returns the number of bytes AppendCompactSize uses for v.
func CompactSizeLen(v uint64) int {
	switch {
	case v < 0xfd:
		return 1
	case v <= 0xffff:
		return 3
	case v <= 0xffffffff:
		return 5
	}
	return 9
}

// AppendCompactSize appends v in its canonical (shortest) CompactSize
// encoding: one byte below 0xfd, else a marker byte 0xfd, 0xfe or 0xff and a
// little-endian uint16, uint32 or uint64.
func AppendCompactSize(dst []byte, v uint64) []byte {
	switch {
	case v < 0xfd:
		return append(dst, byte(v))
	case v <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(dst, 0xfd), uint16(v))
	case v <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(dst, 0xfe), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(dst, 0xff), v)
}

// ReadCompactSize reads a CompactSize from the front of b, returning the value
// and the number of bytes it took. Like Core's ReadCompactSize it rejects a
// non-shortest encoding (ErrNonCanonical) and a value above MaxCompactSize
// (a *LimitError wrapping ErrTooLarge); a truncated one is ErrShortInput.
func ReadCompactSize(b []byte) (v uint64, n int, err error) {
	v, n, err = readCompactSizeUnbounded(b)
	if err == nil && v > MaxCompactSize {
		return 0, 0, &LimitError{Value: v, Max: MaxCompactSize, Err: ErrTooLarge}
	}
	return v, n, err
}

// readCompactSizeUnbounded is ReadCompactSize without the MaxCompactSize
// check, for the few fields Core reads that way (addrv2 services).
func readCompactSizeUnbounded(b []byte) (v uint64, n int, err error) {
	if len(b) == 0 {
		return 0, 0, ErrShortInput
	}
	switch b[0] {
	case 0xfd:
		if len(b) < 3 {
			return 0, 0, ErrShortInput
		}
		v, n = uint64(binary.LittleEndian.Uint16(b[1:])), 3
		if v < 0xfd {
			return 0, 0, ErrNonCanonical
		}
	case 0xfe:
		if len(b) < 5 {
			return 0, 0, ErrShortInput
		}
		v, n = uint64(binary.LittleEndian.Uint32(b[1:])), 5
		if v <= 0xffff {
			return 0, 0, ErrNonCanonical
		}
	case 0xff:
		if len(b) < 9 {
			return 0, 0, ErrShortInput
		}
		v, n = binary.LittleEndian.Uint64(b[1:]), 9
		if v <= 0xffffffff {
			return 0, 0, ErrNonCanonical
		}
	default:
		v, n = uint64(b[0]), 1
	}
	return v, n, nil
}
