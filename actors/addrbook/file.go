package addrbook

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/actornode/actornode/protocol"
)

// The book's file: a header, the entries, and a checksum.
//
//	magic      4 bytes  "ANAB"
//	version    1 byte   fileVersion
//	key       32 bytes  the bucket secret
//	count      4 bytes  number of entries, little-endian
//	entries    count times:
//	  network    1 byte   BIP155 network id
//	  addr       4, 16 or 32 bytes, as the network says
//	  port       2 bytes big-endian
//	  services   8 bytes
//	  source    16 bytes  IPv6 or IPv4-mapped; zero: ourselves
//	  times      4 x 8 bytes  last seen, last try, last success, last
//	                          counted attempt: Unix seconds, 0 for never
//	  attempts   4 bytes
//	  tried      1 byte   1: tried; 0: new, then
//	  nbuckets   1 byte   1..8, then nbuckets x 2 bytes: the new buckets
//	checksum  32 bytes  double SHA-256 of everything before it
//
// Integers are little-endian unless said otherwise.
const (
	fileMagic   = "ANAB"
	fileVersion = 1
	// fileHeader is magic, version, key and count.
	fileHeader = 4 + 1 + 32 + 4
	// maxFileEntries bounds the count: every entry holds a slot.
	maxFileEntries = (newBucketCount + triedBucketCount) * bucketSize
)

// FileName is the name of the book's file in the node's data directory.
const FileName = "addrbook.dat"

// Errors of loading the file; each is wrapped with where it was found.
var (
	errFileMagic    = errors.New("not an address book file")
	errFileVersion  = errors.New("unsupported version")
	errFileChecksum = errors.New("checksum mismatch")
	errFileShort    = errors.New("truncated")
	errFileTrailing = errors.New("bytes after the entries")
	errFileEntry    = errors.New("bad entry")
)

// encode writes the book as the file's bytes.
func (b *book) encode() []byte {
	buf := make([]byte, 0, fileHeader+b.len()*100+32)
	buf = append(buf, fileMagic...)
	buf = append(buf, fileVersion)
	buf = append(buf, b.key[:]...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(b.len()))
	for _, list := range [][]*entry{b.triedList, b.newList} {
		for _, e := range list {
			buf = appendEntry(buf, e)
		}
	}
	sum := protocol.DoubleSHA256(buf)
	return append(buf, sum[:]...)
}

func appendEntry(buf []byte, e *entry) []byte {
	buf = append(buf, byte(e.key.net))
	buf = append(buf, e.key.bytes()...)
	buf = binary.BigEndian.AppendUint16(buf, e.key.port)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(e.services))
	var src [16]byte
	if e.source.IsValid() {
		src = e.source.As16()
	}
	buf = append(buf, src[:]...)
	for _, t := range []time.Time{e.lastSeen, e.lastTry, e.lastSuccess, e.lastCountAttempt} {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(unixOrZero(t)))
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(e.attempts))
	if e.tried {
		return append(buf, 1)
	}
	buf = append(buf, 0, byte(len(e.buckets)))
	for _, nb := range e.buckets {
		buf = binary.LittleEndian.AppendUint16(buf, nb)
	}
	return buf
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// decodeBook reads a file's bytes into a new book. Entries are put back in
// their buckets; one whose slot is taken (which only a damaged file can
// cause) falls back to its source's new bucket, or is dropped.
func decodeBook(data []byte, allowLocal bool) (*book, error) {
	if len(data) < fileHeader+32 {
		return nil, fmt.Errorf("header: %w (%d bytes)", errFileShort, len(data))
	}
	if string(data[:4]) != fileMagic {
		return nil, fmt.Errorf("header: %w", errFileMagic)
	}
	if v := data[4]; v != fileVersion {
		return nil, fmt.Errorf("header: %w %d (we read %d)", errFileVersion, v, fileVersion)
	}
	body, sum := data[:len(data)-32], data[len(data)-32:]
	if want := protocol.DoubleSHA256(body); !bytes.Equal(sum, want[:]) {
		return nil, fmt.Errorf("%w", errFileChecksum)
	}
	b := newBook([32]byte(data[5:37]))
	count := binary.LittleEndian.Uint32(data[37:41])
	if count > maxFileEntries {
		return nil, fmt.Errorf("header: %w: %d entries, at most %d", errFileEntry, count, maxFileEntries)
	}
	r := fileReader{b: body[fileHeader:]}
	for i := range count {
		if err := b.readEntry(&r, allowLocal); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d", errFileTrailing, len(r.b))
	}
	return b, nil
}

// fileReader reads the entries; a short read sets err.
type fileReader struct {
	b   []byte
	err error
}

func (r *fileReader) next(n int, field string) []byte {
	if r.err != nil {
		return make([]byte, n)
	}
	if len(r.b) < n {
		r.err = fmt.Errorf("%s: %w", field, errFileShort)
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *fileReader) u64(field string) uint64 { return binary.LittleEndian.Uint64(r.next(8, field)) }

func (b *book) readEntry(r *fileReader, allowLocal bool) error {
	var k addrKey
	k.net = protocol.NetworkID(r.next(1, "network")[0])
	size := k.net.AddrSize()
	if r.err == nil && (size == 0 || k.net == protocol.NetTorV2) {
		return fmt.Errorf("network: %w: %v", errFileEntry, k.net)
	}
	copy(k.addr[:], r.next(size, "address"))
	k.port = binary.BigEndian.Uint16(r.next(2, "port"))
	e := &entry{key: k}
	e.services = protocol.ServiceFlag(r.u64("services"))
	src := netip.AddrFrom16([16]byte(r.next(16, "source"))).Unmap()
	if !src.IsUnspecified() {
		e.source = src
	}
	e.lastSeen = timeOrZero(int64(r.u64("last seen")))
	e.lastTry = timeOrZero(int64(r.u64("last try")))
	e.lastSuccess = timeOrZero(int64(r.u64("last success")))
	e.lastCountAttempt = timeOrZero(int64(r.u64("last counted attempt")))
	e.attempts = int(binary.LittleEndian.Uint32(r.next(4, "attempts")))
	tried := r.next(1, "tried")[0]
	var buckets []uint16
	if tried == 0 {
		n := int(r.next(1, "bucket count")[0])
		if r.err == nil && (n == 0 || n > newBucketsPerAddress) {
			return fmt.Errorf("bucket count: %w: %d", errFileEntry, n)
		}
		for range n {
			nb := binary.LittleEndian.Uint16(r.next(2, "bucket"))
			if r.err == nil && nb >= newBucketCount {
				return fmt.Errorf("bucket: %w: %d", errFileEntry, nb)
			}
			buckets = append(buckets, nb)
		}
	}
	if r.err != nil {
		return r.err
	}
	if tried > 1 {
		return fmt.Errorf("tried: %w: %d", errFileEntry, tried)
	}
	if e.attempts < 0 {
		return fmt.Errorf("attempts: %w: %d", errFileEntry, e.attempts)
	}
	if !k.valid(allowLocal) || b.entries[k] != nil {
		return nil // not ours to keep (another network's rules), or twice
	}
	if tried == 1 {
		bucket := b.triedBucket(k)
		pos := b.bucketPos(false, bucket, k)
		if b.triedTable[bucket][pos] == nil {
			e.tried = true
			b.triedTable[bucket][pos] = e
			b.entries[k] = e
			b.listAdd(e)
			return nil
		}
		buckets = []uint16{uint16(b.newBucket(k, e.source))}
	}
	for _, nb := range buckets {
		pos := b.bucketPos(true, int(nb), k)
		if b.newTable[nb][pos] != nil {
			continue
		}
		b.newTable[nb][pos] = e
		e.buckets = append(e.buckets, nb)
	}
	if len(e.buckets) > 0 {
		b.entries[k] = e
		b.listAdd(e)
	}
	return nil
}

// loadResult says how loading the file went.
type loadResult struct {
	book *book
	// missing: there was no file (first start), or its version was not
	// ours and it was moved to path + ".bak" (see loadFile).
	missing bool
	// backedUp is where a file of another version was moved ("" if none).
	backedUp string
	// err is why the file could not be used: it is corrupt, truncated or
	// unreadable, and still where it was.
	err error
}

// loadFile reads the book at path, as Core's LoadAddrman reads peers.dat:
// a missing file gives no book; a file of another version is moved to
// path + ".bak" (replacing an older one, as Core does) and counts as
// missing; a corrupt, truncated or unreadable one is an error (a
// *CorruptFileError) and is left in place for the operator.
func loadFile(path string, allowLocal bool) loadResult {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return loadResult{missing: true}
	}
	if err == nil {
		var b *book
		if b, err = decodeBook(data, allowLocal); err == nil {
			return loadResult{book: b}
		}
		if errors.Is(err, errFileVersion) {
			bak := path + ".bak"
			if rerr := os.Rename(path, bak); rerr != nil {
				return loadResult{err: &CorruptFileError{Path: path, Err: fmt.Errorf("%w; moving it to %s failed: %w", err, bak, rerr)}}
			}
			return loadResult{missing: true, backedUp: bak, err: err}
		}
	}
	return loadResult{err: &CorruptFileError{Path: path, Err: err}}
}

// CorruptFileError says the book's file exists but cannot be used: it is
// corrupt, truncated or unreadable. Like Core with a corrupt peers.dat, the
// node does not start over it: starting empty would quietly mean seeding
// from DNS again. The operator moves the file away and starts again.
type CorruptFileError struct {
	// Path is the file.
	Path string
	// Err is what is wrong with it.
	Err error
}

func (e *CorruptFileError) Error() string {
	return fmt.Sprintf("invalid or corrupt address book file %s (%v); to start with a new, empty address book, "+
		"move the file out of the way (rename, move or delete it) and start again", e.Path, e.Err)
}

// Unwrap returns what is wrong with the file.
func (e *CorruptFileError) Unwrap() error { return e.Err }

// CheckFile reads the book's file at path as the actor will at start and
// returns a *CorruptFileError if it is corrupt, truncated or unreadable, so
// that a node can refuse to start (Core's "Invalid or corrupt peers.dat").
// A missing file is no error; one of another version is moved to
// path + ".bak" and is no error either (the book starts empty, as Core's
// does). network is the node's (regtest books keep local addresses).
func CheckFile(path string, network protocol.Params) error {
	res := loadFile(path, network.Name == "regtest")
	if res.book == nil && !res.missing {
		return res.err
	}
	return nil
}
