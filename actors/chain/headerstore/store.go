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
	// ErrNotLoaded: Append or Truncate before Load.
	ErrNotLoaded = errors.New("header store not loaded")
	// ErrBroken: an earlier write or sync failed, so what is on disk is
	// unknown; reopen the store.
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

// Store is an open header store.
type Store struct {
	f    *os.File
	path string
	// records is the number of records in the file; valid once loaded.
	records int64
	loaded  bool
	// err is set once a write or sync fails: every later write returns it.
	err error
	// buf holds the encoded records of an append, reused.
	buf []byte
}

// Open opens the store in dir for the network whose message start is
// magic, creating the directory and an empty store as needed. Call Load
// before appending.
func Open(dir string, magic uint32) (*Store, error) {
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
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("header store: %w", err)
	}
	var got [FileHeaderSize]byte
	if _, err := io.ReadFull(f, got[:]); err != nil {
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
	return &Store{f: f, path: path, records: (info.Size() - FileHeaderSize) / RecordSize}, nil
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
// loaded plus those appended since; before, the whole records in the file,
// at least as many as Load will give (to size an index with
// headerchain.WithCapacity).
func (s *Store) Records() int64 { return s.records }

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
	s.records = whole
	s.loaded = true
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
// records that loaded. It syncs the file.
func (s *Store) Truncate(n int64) error {
	if s.err != nil {
		return s.err
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
	s.records = n
	s.loaded = true
	return nil
}

func (s *Store) truncate(size int64) error {
	if err := s.f.Truncate(size); err != nil {
		s.err = fmt.Errorf("%w: truncate: %w", ErrBroken, err)
		return s.err
	}
	if err := s.f.Sync(); err != nil {
		s.err = fmt.Errorf("%w: sync: %w", ErrBroken, err)
		return s.err
	}
	return nil
}

// Append adds the headers as records with one write and one fsync; when it
// returns nil they are on disk. On a write error it cuts the file back to
// where it was; after a failed sync the store refuses further writes
// (ErrBroken), since what reached the disk is unknown.
func (s *Store) Append(hs []protocol.BlockHeader) error {
	if s.err != nil {
		return s.err
	}
	if !s.loaded {
		return ErrNotLoaded
	}
	if len(hs) == 0 {
		return nil
	}
	s.buf = s.buf[:0]
	for i := range hs {
		start := len(s.buf)
		s.buf = protocol.AppendBlockHeader(s.buf, &hs[i])
		s.buf = binary.LittleEndian.AppendUint32(s.buf, crc32.Checksum(s.buf[start:], castagnoli))
	}
	end := FileHeaderSize + s.records*RecordSize
	if _, err := s.f.WriteAt(s.buf, end); err != nil {
		if terr := s.f.Truncate(end); terr != nil {
			s.err = fmt.Errorf("%w: write: %w; truncate: %w", ErrBroken, err, terr)
			return s.err
		}
		return fmt.Errorf("header store: append %d headers: %w", len(hs), err)
	}
	if err := s.f.Sync(); err != nil {
		s.err = fmt.Errorf("%w: sync: %w", ErrBroken, err)
		return s.err
	}
	s.records += int64(len(hs))
	return nil
}

// Close closes the file.
func (s *Store) Close() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("header store: close: %w", err)
	}
	return nil
}
