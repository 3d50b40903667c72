package headerstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// FuzzLoad feeds Load any bytes after a valid file header. It must not
// panic; on success the file holds exactly the records loaded, and on a
// corrupt record the file is unchanged.
func FuzzLoad(f *testing.F) {
	hs := regtestChain(f, 3)
	dir := f.TempDir()
	s, err := headerstore.Open(dir, regtest(f).Magic)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Load(func(*protocol.BlockHeader) error { return nil }); err != nil {
		f.Fatal(err)
	}
	if err := appendFlush(s, hs); err != nil {
		f.Fatal(err)
	}
	s.Close()
	whole, err := os.ReadFile(filepath.Join(dir, headerstore.FileName))
	if err != nil {
		f.Fatal(err)
	}
	fileHeader, records := whole[:headerstore.FileHeaderSize], whole[headerstore.FileHeaderSize:]
	f.Add(records)
	f.Add(records[:len(records)-1])
	f.Add(records[:headerstore.RecordSize+7])
	f.Add(append(slices.Clone(records), 1, 2, 3))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, headerstore.FileName)
		file := append(slices.Clone(fileHeader), body...)
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := headerstore.Open(dir, regtest(t).Magic)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		n := int64(0)
		st, err := s.Load(func(*protocol.BlockHeader) error { n++; return nil })
		got, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		var ce *headerstore.CorruptError
		switch {
		case err == nil:
			if st.Records != n || int64(len(got)) != headerstore.FileHeaderSize+n*headerstore.RecordSize ||
				!slices.Equal(got, file[:len(got)]) || st.TruncatedBytes != int64(len(file)-len(got)) {
				t.Fatalf("loaded %d (%+v), file %d of %d bytes", n, st, len(got), len(file))
			}
		case errors.As(err, &ce):
			if !slices.Equal(got, file) {
				t.Fatal("a corrupt store was changed")
			}
		default:
			t.Fatalf("load: %v", err)
		}
	})
}
