package protocol

import (
	"encoding/binary"
	"strconv"
)

// reader walks a payload for one decoder. The first failure sticks: later
// reads return zero values, and err records the message, the field and the
// list entry (if any) where decoding stopped. Reads never allocate; only a
// failure builds its error.
type reader struct {
	b   []byte
	cmd string
	// list and index name the entry being read inside a list ("entry", 3);
	// index is -1 outside lists. outer and outerIndex do the same for an
	// enclosing list (a block's transaction around its inputs).
	list       string
	index      int
	outer      string
	outerIndex int
	err        error
}

func newReader(cmd string, b []byte) reader {
	return reader{b: b, cmd: cmd, index: -1, outerIndex: -1}
}

// fail records err at field unless an earlier failure is already recorded.
func (r *reader) fail(field string, err error) {
	if r.err != nil {
		return
	}
	if r.index >= 0 {
		field = r.list + " " + strconv.Itoa(r.index) + ": " + field
	}
	if r.outerIndex >= 0 {
		field = r.outer + " " + strconv.Itoa(r.outerIndex) + ": " + field
	}
	r.err = &DecodeError{Command: r.cmd, Field: field, Err: err}
	r.b = nil
}

// enter marks the start of entry i of the named list; leave ends the list.
func (r *reader) enter(list string, i int) { r.list, r.index = list, i }
func (r *reader) leave()                   { r.list, r.index = "", -1 }

// enterOuter and leaveOuter do the same for an enclosing list.
func (r *reader) enterOuter(list string, i int) { r.outer, r.outerIndex = list, i }
func (r *reader) leaveOuter()                   { r.outer, r.outerIndex = "", -1 }

// empty reports whether no input is left (or decoding has failed).
func (r *reader) empty() bool { return len(r.b) == 0 }

// take returns the next n bytes, or nil after recording ErrShortInput.
func (r *reader) take(field string, n int) []byte {
	if len(r.b) < n {
		r.fail(field, ErrShortInput)
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8(field string) uint8 {
	if len(r.b) < 1 {
		r.fail(field, ErrShortInput)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16be(field string) uint16 {
	if len(r.b) < 2 {
		r.fail(field, ErrShortInput)
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) u32(field string) uint32 {
	if len(r.b) < 4 {
		r.fail(field, ErrShortInput)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) u64(field string) uint64 {
	if len(r.b) < 8 {
		r.fail(field, ErrShortInput)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) hash(field string) (h Hash) {
	if len(r.b) < HashSize {
		r.fail(field, ErrShortInput)
		return h
	}
	copy(h[:], r.b)
	r.b = r.b[HashSize:]
	return h
}

// compactSize reads a CompactSize bounded by MaxCompactSize.
func (r *reader) compactSize(field string) uint64 {
	if len(r.b) > 0 && r.b[0] < 0xfd {
		// The one-byte form, by far the commonest: canonical and in range.
		v := uint64(r.b[0])
		r.b = r.b[1:]
		return v
	}
	if r.err != nil {
		return 0
	}
	v, n, err := ReadCompactSize(r.b)
	if err != nil {
		r.fail(field, err)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// compactSizeUnbounded reads a CompactSize with no upper bound (still
// canonical).
func (r *reader) compactSizeUnbounded(field string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n, err := readCompactSizeUnbounded(r.b)
	if err != nil {
		r.fail(field, err)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a list length and checks it before the caller allocates: at
// most max entries, and no more than the remaining input could hold at
// minEntry bytes each, so a huge count behind a short payload fails at once
// without allocating.
func (r *reader) count(field string, max uint64, minEntry int) int {
	n := r.compactSize(field)
	if r.err != nil {
		return 0
	}
	if n > max {
		r.fail(field, &LimitError{Value: n, Max: max, Err: ErrTooMany})
		return 0
	}
	if n*uint64(minEntry) > uint64(len(r.b)) {
		r.fail(field, ErrShortInput)
		return 0
	}
	return int(n)
}

// finish returns the recorded error, if any.
func (r *reader) finish() error { return r.err }

// varBytes reads a CompactSize length of at most max and that many bytes,
// returned as a copy (nil when empty), so the message keeps no reference to
// the input.
func (r *reader) varBytes(field string, max uint64) []byte {
	n := r.compactSize(field)
	if r.err != nil {
		return nil
	}
	if n > max {
		r.fail(field, &LimitError{Value: n, Max: max, Err: ErrTooLarge})
		return nil
	}
	b := r.take(field, int(n))
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// varString reads a CompactSize length of at most max and that many bytes
// as a string (Core's LIMITED_STRING).
func (r *reader) varString(field string, max uint64) string {
	n := r.compactSize(field)
	if r.err != nil {
		return ""
	}
	if n > max {
		r.fail(field, &LimitError{Value: n, Max: max, Err: ErrTooLarge})
		return ""
	}
	return string(r.take(field, int(n)))
}

// hashList reads a count of at most max and that many hashes into one new
// slice (nil when empty).
func (r *reader) hashList(field string, max uint64) []Hash {
	n := r.count(field, max, HashSize)
	if r.err != nil || n == 0 {
		return nil
	}
	list := make([]Hash, n)
	p := r.b
	for i := range list {
		list[i] = Hash(p[:HashSize])
		p = p[HashSize:]
	}
	r.b = p
	return list
}

// appendVarBytes appends b with its CompactSize length.
func appendVarBytes(dst, b []byte) []byte {
	return append(AppendCompactSize(dst, uint64(len(b))), b...)
}

// appendHashList appends a CompactSize count and the hashes.
func appendHashList(dst []byte, list []Hash) []byte {
	dst = AppendCompactSize(dst, uint64(len(list)))
	for i := range list {
		dst = append(dst, list[i][:]...)
	}
	return dst
}
