package headerstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

func TestAppendAndLoad(t *testing.T) {
	dir := t.TempDir()
	hs := regtestChain(t, 50)
	s := open(t, dir)
	if got, st := collect(t, s); len(got) != 0 || st != (headerstore.LoadStats{}) {
		t.Fatalf("new store: %d headers, %+v", len(got), st)
	}
	for _, batch := range [][]protocol.BlockHeader{hs[:1], hs[1:30], nil, hs[30:]} {
		if err := appendFlush(s, batch); err != nil {
			t.Fatal(err)
		}
	}
	if s.Records() != 50 {
		t.Fatalf("records %d", s.Records())
	}
	info, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(headerstore.FileHeaderSize + 50*headerstore.RecordSize); info.Size() != want {
		t.Fatalf("file size %d, want %d", info.Size(), want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reloaded through the index, which checks every header again.
	s = open(t, dir)
	if s.Records() != 50 {
		t.Fatalf("records before load: %d", s.Records())
	}
	ix := newIndex(t, 50)
	st, err := s.Load(ix.Restore)
	if err != nil || st.Records != 50 || st.TruncatedBytes != 0 {
		t.Fatalf("load: %+v, %v", st, err)
	}
	if tip := ix.Tip(); tip.Height != 50 || tip.Hash != hs[49].BlockHash() {
		t.Fatalf("tip %+v", tip)
	}
	more := regtestChain(t, 60)[50:]
	if err := appendFlush(s, more); err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, _ := collect(t, open(t, dir))
	if !slices.Equal(got, append(hs, more...)) {
		t.Fatal("headers differ after append to a reloaded store")
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Run("another network", func(t *testing.T) {
		dir := t.TempDir()
		open(t, dir)
		mainnet, _ := protocol.Network(protocol.NameMainnet)
		if _, err := headerstore.Open(dir, mainnet.Magic); !errors.Is(err, headerstore.ErrWrongNetwork) {
			t.Fatalf("error %v, want %v", err, headerstore.ErrWrongNetwork)
		}
	})
	for name, content := range map[string][]byte{
		"not a store": []byte("hello, this is not a header store file at all"),
		"short":       []byte("AHS1"),
		"bad header checksum": func() []byte {
			b := make([]byte, headerstore.FileHeaderSize)
			copy(b, "AHS1")
			return b
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, headerstore.FileName)
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := headerstore.Open(dir, regtest(t).Magic); !errors.Is(err, headerstore.ErrBadFileHeader) {
				t.Fatalf("error %v, want %v", err, headerstore.ErrBadFileHeader)
			}
			if b, _ := os.ReadFile(path); !slices.Equal(b, content) {
				t.Error("file changed")
			}
		})
	}
}

func TestAppendBeforeLoad(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Flush(); !errors.Is(err, headerstore.ErrNotLoaded) {
		t.Fatalf("flush: error %v, want %v", err, headerstore.ErrNotLoaded)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Append before Load did not panic")
		}
	}()
	s.Append(regtestChain(t, 1))
}

// writeStore makes a store in a new directory holding hs and returns the
// directory and the file's bytes.
func writeStore(t *testing.T, hs []protocol.BlockHeader) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir)
	collect(t, s)
	if err := appendFlush(s, hs); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(filepath.Join(dir, headerstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return dir, b
}

// TestTornTail: a file cut anywhere inside its last record, or whose last
// record fails its checksum, loads every record before it, is cut back to
// them, and takes appends again.
func TestTornTail(t *testing.T) {
	hs := regtestChain(t, 5)
	_, whole := writeStore(t, hs)
	last := len(whole) - headerstore.RecordSize
	type variant struct {
		name string
		file []byte
	}
	var variants []variant
	for cut := 1; cut < headerstore.RecordSize; cut++ {
		variants = append(variants, variant{name: "cut after " + strconv.Itoa(cut) + " bytes", file: whole[:last+cut]})
	}
	for _, at := range []int{0, 40, 79, 80, 83} {
		b := slices.Clone(whole)
		b[last+at] ^= 0x01
		variants = append(variants, variant{name: "last record flipped at " + strconv.Itoa(at), file: b})
	}
	zeros := slices.Clone(whole)
	clear(zeros[last:])
	variants = append(variants, variant{name: "last record zeroed", file: zeros})
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, headerstore.FileName)
			if err := os.WriteFile(path, v.file, 0o600); err != nil {
				t.Fatal(err)
			}
			s := open(t, dir)
			ix := newIndex(t, 5)
			st, err := s.Load(ix.Restore)
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != 4 || st.TruncatedBytes != int64(len(v.file)-last) || ix.Tip().Height != 4 {
				t.Fatalf("stats %+v, tip %+v", st, ix.Tip())
			}
			if info, _ := os.Stat(path); info.Size() != int64(last) {
				t.Fatalf("file is %d bytes, want %d", info.Size(), last)
			}
			if err := appendFlush(s, hs[4:]); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if got, _ := collect(t, open(t, dir)); !slices.Equal(got, hs) {
				t.Fatal("headers differ after recovery and append")
			}
		})
	}
}

// TestDamage: a bad record followed by good ones is not a torn append:
// Load refuses and the file is left as it was.
func TestDamage(t *testing.T) {
	hs := regtestChain(t, 5)
	dir, whole := writeStore(t, hs)
	b := slices.Clone(whole)
	second := headerstore.FileHeaderSize + headerstore.RecordSize
	b[second+10] ^= 0xff
	path := filepath.Join(dir, headerstore.FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir)
	n := 0
	_, err := s.Load(func(*protocol.BlockHeader) error { n++; return nil })
	var ce *headerstore.CorruptError
	if !errors.As(err, &ce) || ce.Record != 1 || ce.Offset != int64(second) {
		t.Fatalf("error %v, want a CorruptError at record 1", err)
	}
	if got, _ := os.ReadFile(path); !slices.Equal(got, b) {
		t.Error("file changed")
	}
	if err := s.Flush(); !errors.Is(err, headerstore.ErrNotLoaded) {
		t.Errorf("flush after a failed load: %v", err)
	}
}

// TestRecordsNotLinking: records whose headers do not link (a gap, as a
// store written by a buggy owner would have) are refused by the index:
// Load stops at the first with a RecordError and changes nothing; Truncate
// there keeps the good prefix.
func TestRecordsNotLinking(t *testing.T) {
	hs := regtestChain(t, 6)
	gapped := slices.Concat(hs[:2], hs[3:]) // 1, 2, 4, 5, 6
	dir, whole := writeStore(t, gapped)
	s := open(t, dir)
	ix := newIndex(t, 6)
	_, err := s.Load(ix.Restore)
	var re *headerstore.RecordError
	if !errors.As(err, &re) || re.Record != 2 || !errors.Is(err, headerchain.ErrPrevNotFound) {
		t.Fatalf("error %v, want a RecordError at record 2 wrapping %v", err, headerchain.ErrPrevNotFound)
	}
	if got, _ := os.ReadFile(s.Path()); !slices.Equal(got, whole) {
		t.Fatal("file changed")
	}
	if err := s.Truncate(re.Record); err != nil {
		t.Fatal(err)
	}
	if err := appendFlush(s, hs[2:]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ix = newIndex(t, 6)
	s = open(t, dir)
	if st, err := s.Load(ix.Restore); err != nil || st.Records != 6 || ix.Tip().Height != 6 {
		t.Fatalf("after repair: %+v %v, tip %+v", st, err, ix.Tip())
	}
}

// TestForksPersist: the store keeps side branches, and the index rebuilt
// from it has the same best chain.
func TestForksPersist(t *testing.T) {
	p := regtest(t)
	hs := regtestChain(t, 4)
	ix := newIndex(t, 8)
	res, err := ix.Add(hs, farFuture)
	if err != nil {
		t.Fatal(err)
	}
	// A side branch off height 2.
	side := hs[2]
	side.Timestamp++
	for !headerchain.CheckProofOfWork(side.BlockHash(), side.Bits, p.Consensus) {
		side.Nonce++
	}
	res2, err := ix.Add([]protocol.BlockHeader{side}, farFuture)
	if err != nil || res2.Added != 1 || res2.Tip != nil {
		t.Fatalf("side: %+v %v", res2, err)
	}
	dir, _ := writeStore(t, append(slices.Clone(hs[:res.Added]), side))
	re := newIndex(t, 8)
	if _, err := open(t, dir).Load(re.Restore); err != nil {
		t.Fatal(err)
	}
	if re.Len() != ix.Len() || re.Tip() != ix.Tip() {
		t.Fatalf("reloaded %d headers tip %+v, want %d %+v", re.Len(), re.Tip(), ix.Len(), ix.Tip())
	}
}
