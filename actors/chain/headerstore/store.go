package headerstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/actornode/actornode/actors/internal/atomicfile"
	"github.com/actornode/actornode/protocol"
)

// FileName is the store's file in its directory.
const FileName = "headers.dat"

// Sizes of the file layout.
const (
	// FileHeaderSize is the size of the file's header.
	FileHeaderSize = 16
	// RecordSize is the size of one record: a block header and its
	// checksum.
	RecordSize = protocol.BlockHeaderSize + 4
)

// fileTag opens every store file: the format and its version.
var fileTag = [4]byte{'A', 'H', 'S', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors a caller can tell apart with errors.Is.
var (
	// ErrBadFileHeader: the file does not start with a store header.
	ErrBadFileHeader = errors.New("not a header store file")
	// ErrWrongNetwork: the file holds another network's headers.
	ErrWrongNetwork = errors.New("header store of another network")
	// ErrNotLoaded: Flush before Load.
	ErrNotLoaded = errors.New("header store not loaded")
	// ErrBroken: a write or sync failed, so what is on disk past the
	// records written before is unknown: the store writes nothing more
	// (its headers stay readable from memory); reopen it to write again.
	ErrBroken = errors.New("header store broken by an earlier write error")
)

// CorruptError reports a record that fails its checksum with valid records
// after it: damage, not a torn append.
type CorruptError struct {
	// Record is the damaged record's number, from 0.
	Record int64
	// Offset is its position in the file.
	Offset int64
}

// Error implements error.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("header store: record %d at offset %d fails its checksum and later records do not", e.Record, e.Offset)
}

// RecordError reports a record the load function refused.
type RecordError struct {
	// Record is the refused record's number, from 0: the number of
	// records before it, which Truncate takes to drop it and the rest.
	Record int64
	// Err is what the load function returned.
	Err error
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("header store: record %d: %v", e.Record, e.Err)
}

// Unwrap returns the load function's error.
func (e *RecordError) Unwrap() error { return e.Err }

// LoadStats says what Load found.
type LoadStats struct {
	// Records is the number of whole, valid records loaded.
	Records int64
	// TruncatedBytes is the size of the torn tail Load cut off, 0 if none.
	TruncatedBytes int64
}

// File is what the store needs of its file; *os.File is one. WithFile
// puts another in front of it (a test's fault injection).
type File interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
	Sync() error
	Stat() (os.FileInfo, error)
	Close() error
}

// Option changes how Open opens a store.
type Option func(*options)

type options struct {
	wrap func(*os.File) File
}

// WithFile makes the store use wrap(f) for its opened file f.
func WithFile(wrap func(*os.File) File) Option {
	return func(o *options) { o.wrap = wrap }
}

// Store is an open header store. Append, Records, ReadRecords and Flush may
// be called from different goroutines (the chain actor appends and reads
// while a goroutine of its own flushes); Load, Truncate and Close may not
// run with any other call.
type Store struct {
	f    File
	path string
	// mu guards the fields below it, which Append, ReadRecords and Flush
	// share.
	mu sync.Mutex
	// durable is the number of records written and synced: the file's
	// records once loaded.
	durable int64
	// flushing is the batch a Flush is writing, records durable on;
	// pending the headers appended after it. Both stay readable.
	flushing, pending []protocol.BlockHeader
	loaded            bool
	// err is set once a write or sync fails: Flush returns it.
	err error
	// flushMu lets one Flush (or Close) run at a time; wbuf, the encoded
	// records of a batch, is its.
	flushMu sync.Mutex
	wbuf    []byte
	// readMu guards rbuf, the bytes of a read.
	readMu sync.Mutex
	rbuf   []byte
}

// Open opens the store in dir for the network whose message start is
// magic, creating the directory and an empty store as needed. Call Load
// before appending.
func Open(dir string, magic uint32, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("header store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	want := fileHeader(magic)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := atomicfile.Write(path, want[:]); err != nil {
			return nil, fmt.Errorf("header store: create %s: %w", path, err)
		}
	}
	osf, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("header store: %w", err)
	}
	var f File = osf
	if o.wrap != nil {
		f = o.wrap(osf)
	}
	var got [FileHeaderSize]byte
	if _, err := f.ReadAt(got[:], 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("header store %s: file header: %w: %w", path, ErrBadFileHeader, err)
	}
	if err := checkFileHeader(got, want); err != nil {
		f.Close()
		return nil, fmt.Errorf("header store %s: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("header store: %w", err)
	}
	return &Store{f: f, path: path, durable: (info.Size() - FileHeaderSize) / RecordSize}, nil
}

func fileHeader(magic uint32) [FileHeaderSize]byte {
	var h [FileHeaderSize]byte
	copy(h[:], fileTag[:])
	binary.LittleEndian.PutUint32(h[4:], magic)
	binary.LittleEndian.PutUint32(h[12:], crc32.Checksum(h[:12], castagnoli))
	return h
}

func checkFileHeader(got, want [FileHeaderSize]byte) error {
	if [4]byte(got[:4]) != fileTag || binary.LittleEndian.Uint32(got[12:]) != crc32.Checksum(got[:12], castagnoli) {
		return ErrBadFileHeader
	}
	if got != want {
		return fmt.Errorf("%w: message start %#08x, want %#08x", ErrWrongNetwork,
			binary.LittleEndian.Uint32(got[4:]), binary.LittleEndian.Uint32(want[4:]))
	}
	return nil
}

// Path returns the store's file.
func (s *Store) Path() string { return s.path }

// Records returns the number of records in the store: after Load, those
// loaded plus those appended since, flushed or not; before, the whole
// records in the file, at least as many as Load will give (to size an
// index with headerchain.WithCapacity).
func (s *Store) Records() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.durable + int64(len(s.flushing)+len(s.pending))
}

// Durable returns the number of records written and synced.
func (s *Store) Durable() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.durable
}

// Pending returns the number of records appended but not yet durable.
func (s *Store) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.flushing) + len(s.pending)
}

// Load reads every record in order and hands its header to fn, then
// readies the store for appends. It truncates a torn tail (see the package
// doc); it stops with a *CorruptError on damage or a *RecordError when fn
// refuses a record, leaving the file as it was and the store unusable for
// appends until Truncate. It may be called once.
func (s *Store) Load(fn func(h *protocol.BlockHeader) error) (LoadStats, error) {
	var st LoadStats
	if s.loaded {
		return st, errors.New("header store: loaded twice")
	}
	info, err := s.f.Stat()
	if err != nil {
		return st, fmt.Errorf("header store: %w", err)
	}
	size := info.Size()
	if size < FileHeaderSize {
		return st, fmt.Errorf("header store: file of %d bytes: %w", size, ErrBadFileHeader)
	}
	whole := (size - FileHeaderSize) / RecordSize
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, FileHeaderSize, whole*RecordSize), 1<<20)
	var rec [RecordSize]byte
	for i := int64(0); i < whole; i++ {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return st, fmt.Errorf("header store: read record %d: %w", i, err)
		}
		if !validRecord(&rec) {
			bad := FileHeaderSize + i*RecordSize
			later, err := s.anyValidRecord(bad+RecordSize, whole-i-1)
			if err != nil {
				return st, err
			}
			if later {
				return st, &CorruptError{Record: i, Offset: bad}
			}
			whole = i
			break
		}
		h, _ := protocol.ParseBlockHeader(rec[:protocol.BlockHeaderSize])
		if err := fn(&h); err != nil {
			return st, &RecordError{Record: i, Err: err}
		}
		st.Records++
	}
	if end := FileHeaderSize + whole*RecordSize; end < size {
		if err := s.truncate(end); err != nil {
			return st, err
		}
		st.TruncatedBytes = size - end
	}
	s.mu.Lock()
	s.durable, s.loaded = whole, true
	s.mu.Unlock()
	return st, nil
}

func validRecord(rec *[RecordSize]byte) bool {
	return crc32.Checksum(rec[:protocol.BlockHeaderSize], castagnoli) ==
		binary.LittleEndian.Uint32(rec[protocol.BlockHeaderSize:])
}

// anyValidRecord reports whether any of the n records from offset passes
// its checksum.
func (s *Store) anyValidRecord(offset, n int64) (bool, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, offset, n*RecordSize), 1<<16)
	var rec [RecordSize]byte
	for i := int64(0); i < n; i++ {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return false, fmt.Errorf("header store: read record at %d: %w", offset+i*RecordSize, err)
		}
		if validRecord(&rec) {
			return true, nil
		}
	}
	return false, nil
}

// Truncate drops every record from number n on, and readies the store for
// appends after them: after a *RecordError, Truncate(err.Record) keeps the
// records that loaded. It syncs the file. It refuses while appended
// records are not yet durable.
func (s *Store) Truncate(n int64) error {
	s.mu.Lock()
	err, unflushed := s.err, len(s.flushing)+len(s.pending)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if unflushed > 0 {
		return fmt.Errorf("header store: truncate with %d records not flushed", unflushed)
	}
	info, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("header store: %w", err)
	}
	have := (info.Size() - FileHeaderSize) / RecordSize
	if n < 0 || n > have {
		return fmt.Errorf("header store: truncate to %d records of %d", n, have)
	}
	if err := s.truncate(FileHeaderSize + n*RecordSize); err != nil {
		return err
	}
	s.mu.Lock()
	s.durable, s.loaded = n, true
	s.mu.Unlock()
	return nil
}

func (s *Store) truncate(size int64) error {
	err := s.f.Truncate(size)
	if err != nil {
		err = fmt.Errorf("%w: truncate: %w", ErrBroken, err)
	} else if err = s.f.Sync(); err != nil {
		err = fmt.Errorf("%w: sync: %w", ErrBroken, err)
	}
	if err != nil {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
	return err
}

// Append adds the headers as the records after the last, in memory: they
// are readable at once and written by the next Flush. A broken store
// (ErrBroken) still takes them, so that record numbers keep matching what
// its owner appended, but never writes them. Append before Load panics:
// the records it would number are not known yet.
func (s *Store) Append(hs []protocol.BlockHeader) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		panic("header store: Append before Load")
	}
	s.pending = append(s.pending, hs...)
}

// ReadRecords fills dst with the records from number n on: durable ones
// read from the file (one read for the run), newer ones copied from memory.
// A record that fails its checksum is an error.
func (s *Store) ReadRecords(dst []protocol.BlockHeader, n int64) error {
	s.mu.Lock()
	durable := s.durable
	total := durable + int64(len(s.flushing)+len(s.pending))
	if n < 0 || n+int64(len(dst)) > total {
		s.mu.Unlock()
		return fmt.Errorf("header store: read records %d to %d of %d", n, n+int64(len(dst)), total)
	}
	// The records past durable, from memory.
	for i := max(durable-n, 0); i < int64(len(dst)); i++ {
		r := n + i - durable
		if r < int64(len(s.flushing)) {
			dst[i] = s.flushing[r]
		} else {
			dst[i] = s.pending[r-int64(len(s.flushing))]
		}
	}
	s.mu.Unlock()
	// Durable records are never written again: read them without mu,
	// while a Flush may be appending after them.
	k := min(n+int64(len(dst)), durable) - n
	if k <= 0 {
		return nil
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	s.rbuf = slices.Grow(s.rbuf[:0], int(k)*RecordSize)[:int(k)*RecordSize]
	if _, err := s.f.ReadAt(s.rbuf, FileHeaderSize+n*RecordSize); err != nil {
		return fmt.Errorf("header store: read records %d to %d: %w", n, n+k, err)
	}
	for i := range k {
		rec := (*[RecordSize]byte)(s.rbuf[i*RecordSize:])
		if !validRecord(rec) {
			return fmt.Errorf("header store: record %d at offset %d fails its checksum", n+i, FileHeaderSize+(n+i)*RecordSize)
		}
		dst[i], _ = protocol.ParseBlockHeader(rec[:protocol.BlockHeaderSize])
	}
	return nil
}

// Flush writes the records appended since the last Flush with one write and
// one fsync; when it returns nil they are durable. It may run on a
// goroutine of its own while Append and ReadRecords go on. A failed write
// or sync breaks the store (ErrBroken, returned by every later Flush): what
// reached the disk is unknown, so nothing more is written; a failed write
// is cut back off the file if it can be, and a torn tail left is cut by the
// next Load. Every record stays readable from memory.
func (s *Store) Flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	if s.err != nil || !s.loaded || len(s.pending) == 0 {
		err := s.err
		if err == nil && !s.loaded {
			err = ErrNotLoaded
		}
		s.mu.Unlock()
		return err
	}
	batch := s.pending
	s.flushing, s.pending = batch, nil
	end := FileHeaderSize + s.durable*RecordSize
	s.mu.Unlock()

	s.wbuf = s.wbuf[:0]
	for i := range batch {
		start := len(s.wbuf)
		s.wbuf = protocol.AppendBlockHeader(s.wbuf, &batch[i])
		s.wbuf = binary.LittleEndian.AppendUint32(s.wbuf, crc32.Checksum(s.wbuf[start:], castagnoli))
	}
	var err error
	if _, werr := s.f.WriteAt(s.wbuf, end); werr != nil {
		err = fmt.Errorf("%w: write %d headers: %w", ErrBroken, len(batch), werr)
		if terr := s.f.Truncate(end); terr != nil {
			err = fmt.Errorf("%w; truncate: %w", err, terr)
		}
	} else if serr := s.f.Sync(); serr != nil {
		err = fmt.Errorf("%w: sync: %w", ErrBroken, serr)
	}
	if cap(s.wbuf) > maxKeptBuffer {
		s.wbuf = nil
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// The batch stays readable where it is; later appends go on
		// after it in pending.
		s.err = err
		return err
	}
	s.durable += int64(len(batch))
	s.flushing = nil
	return nil
}

// maxKeptBuffer is the largest write buffer kept between flushes (1 MiB,
// about six headers messages); a larger one, from a backlog, is let go.
const maxKeptBuffer = 1 << 20

// Close closes the file, after waiting for a Flush that is running.
// Records not flushed are not written: Flush first to keep them.
func (s *Store) Close() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("header store: close: %w", err)
	}
	return nil
}
