package headerstore_test

import (
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// TestReadRecords: appended records are readable at once, from memory
// before Flush and from the file after, and a read may span both.
func TestReadRecords(t *testing.T) {
	hs := regtestChain(t, 30)
	s := open(t, t.TempDir())
	collect(t, s)
	read := func(n, k int) []protocol.BlockHeader {
		t.Helper()
		got := make([]protocol.BlockHeader, k)
		if err := s.ReadRecords(got, int64(n)); err != nil {
			t.Fatal(err)
		}
		return got
	}
	s.Append(hs[:10])
	if s.Records() != 10 || s.Durable() != 0 || s.Pending() != 10 {
		t.Fatalf("before flush: %d records, %d durable, %d pending", s.Records(), s.Durable(), s.Pending())
	}
	if !slices.Equal(read(0, 10), hs[:10]) {
		t.Fatal("pending records differ")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Append(hs[10:30])
	if s.Durable() != 10 || s.Pending() != 20 {
		t.Fatalf("after flush: %d durable, %d pending", s.Durable(), s.Pending())
	}
	if !slices.Equal(read(5, 20), hs[5:25]) {
		t.Fatal("a read across file and memory differs")
	}
	if err := s.ReadRecords(make([]protocol.BlockHeader, 2), 29); err == nil {
		t.Fatal("a read past the last record: no error")
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(read(0, 30), hs) {
		t.Fatal("durable records differ")
	}
	// A durable record damaged on disk is an error, not a wrong header.
	b, _ := os.ReadFile(s.Path())
	b[headerstore.FileHeaderSize+3*headerstore.RecordSize+9] ^= 1
	if err := os.WriteFile(s.Path(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadRecords(make([]protocol.BlockHeader, 5), 1); err == nil {
		t.Fatal("a damaged record read without error")
	}
}

// TestFlushWhileAppending runs Flush on a goroutine of its own while
// headers are appended and read, as the chain actor does (run with -race):
// every read sees the headers appended, and the file ends with all of them.
func TestFlushWhileAppending(t *testing.T) {
	hs := regtestChain(t, 3000)
	dir := t.TempDir()
	s := open(t, dir)
	collect(t, s)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var flushes atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if err := s.Flush(); err != nil {
				t.Error(err)
				return
			}
			flushes.Add(1)
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	got := make([]protocol.BlockHeader, 50)
	for i := 0; i < len(hs); i += 50 {
		s.Append(hs[i : i+50])
		from := max(i-25, 0)
		if err := s.ReadRecords(got, int64(from)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, hs[from:from+50]) {
			t.Fatalf("read from %d differs", from)
		}
	}
	close(stop)
	wg.Wait()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if s.Durable() != int64(len(hs)) || flushes.Load() == 0 {
		t.Fatalf("%d durable after %d flushes", s.Durable(), flushes.Load())
	}
	s.Close()
	if all, _ := collect(t, open(t, dir)); !slices.Equal(all, hs) {
		t.Fatal("file differs from the headers appended")
	}
}

// faultyFile fails writes or syncs once told to.
type faultyFile struct {
	*os.File
	failWrite, failSync atomic.Bool
	writes              atomic.Int64
}

var errInjected = errors.New("injected disk fault")

func (f *faultyFile) WriteAt(b []byte, off int64) (int, error) {
	f.writes.Add(1)
	if f.failWrite.Load() {
		// Half the batch reaches the file: a torn write.
		n, _ := f.File.WriteAt(b[:len(b)/2], off)
		return n, errInjected
	}
	return f.File.WriteAt(b, off)
}

func (f *faultyFile) Sync() error {
	if f.failSync.Load() {
		return errInjected
	}
	return f.File.Sync()
}

// TestFlushFailureBreaks: a failed write or sync breaks the store: the
// error is ErrBroken, every header stays readable, nothing more is
// written, and a reload keeps the records written before.
func TestFlushFailureBreaks(t *testing.T) {
	for _, tc := range []string{"write", "sync"} {
		t.Run(tc, func(t *testing.T) {
			hs := regtestChain(t, 40)
			dir := t.TempDir()
			var ff *faultyFile
			s, err := headerstore.Open(dir, regtest(t).Magic, headerstore.WithFile(func(f *os.File) headerstore.File {
				ff = &faultyFile{File: f}
				return ff
			}))
			if err != nil {
				t.Fatal(err)
			}
			collect(t, s)
			if err := appendFlush(s, hs[:10]); err != nil {
				t.Fatal(err)
			}
			if tc == "write" {
				ff.failWrite.Store(true)
			} else {
				ff.failSync.Store(true)
			}
			if err := appendFlush(s, hs[10:20]); !errors.Is(err, headerstore.ErrBroken) || !errors.Is(err, errInjected) {
				t.Fatalf("flush: %v, want %v wrapping the fault", err, headerstore.ErrBroken)
			}
			writes := ff.writes.Load()
			s.Append(hs[20:40])
			if err := s.Flush(); !errors.Is(err, headerstore.ErrBroken) {
				t.Fatalf("flush of a broken store: %v", err)
			}
			if ff.writes.Load() != writes {
				t.Fatal("a broken store wrote again")
			}
			got := make([]protocol.BlockHeader, 40)
			if err := s.ReadRecords(got, 0); err != nil || !slices.Equal(got, hs) {
				t.Fatalf("headers of a broken store: %v", err)
			}
			if s.Records() != 40 || s.Durable() != 10 || s.Pending() != 30 {
				t.Fatalf("%d records, %d durable, %d pending", s.Records(), s.Durable(), s.Pending())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// What reached the disk before the fault loads again (a sync
			// that failed may have left its batch whole, or not).
			all, _ := collect(t, open(t, dir))
			if len(all) < 10 || !slices.Equal(all, hs[:len(all)]) {
				t.Fatalf("reload: %d records", len(all))
			}
		})
	}
}

// Close waits for a Flush that runs; a Flush after Close fails. Either
// way the batch is all written or not at all.
func TestCloseWaitsForFlush(t *testing.T) {
	hs := regtestChain(t, 100)
	dir := t.TempDir()
	s, err := headerstore.Open(dir, regtest(t).Magic)
	if err != nil {
		t.Fatal(err)
	}
	collect(t, s)
	s.Append(hs)
	done := make(chan error, 1)
	go func() { done <- s.Flush() }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if (err == nil) != (s.Durable() == 100) {
			t.Fatalf("flush: %v with %d durable", err, s.Durable())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("flush did not end")
	}
}
