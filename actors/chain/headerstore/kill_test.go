package headerstore_test

import (
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// killChainLen is the length of the chain the appender child writes.
const killChainLen = 20_000

// appenderDirEnv, when set, makes TestAppenderChild the child process of
// TestKill9: it appends killChainLen headers to the store in that
// directory in batches of varied sizes, then waits on stdin for its kill.
const appenderDirEnv = "HEADERSTORE_APPENDER_DIR"

func TestAppenderChild(t *testing.T) {
	dir := os.Getenv(appenderDirEnv)
	if dir == "" {
		t.Skip("the child process of TestKill9")
	}
	hs := regtestChain(t, killChainLen)
	s, err := headerstore.Open(dir, regtest(t).Magic)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(func(*protocol.BlockHeader) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sizes := []int{1, 13, 500, 2000, 3}
	for i := 0; len(hs) > 0; i++ {
		n := min(len(hs), sizes[i%len(sizes)])
		if err := appendFlush(s, hs[:n]); err != nil {
			t.Fatal(err)
		}
		hs = hs[n:]
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent kills us
}

// TestKill9 kills a process appending to a store with SIGKILL at several
// points and checks that the store then loads, through the index, a prefix
// of what was written, and takes the rest.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	want := regtestChain(t, killChainLen)
	for _, atRecords := range []int64{1, 700, 5_000, killChainLen} {
		t.Run(strconvI(atRecords), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestAppenderChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), appenderDirEnv+"="+dir)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			path := dir + "/" + headerstore.FileName
			actortest.Eventually(t, time.Minute, "the child to write records", func() bool {
				info, err := os.Stat(path)
				return err == nil && info.Size() >= headerstore.FileHeaderSize+atRecords*headerstore.RecordSize
			})
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			s := open(t, dir)
			ix := newIndex(t, killChainLen)
			st, err := s.Load(ix.Restore)
			if err != nil {
				t.Fatalf("load after kill: %v", err)
			}
			if st.Records < 1 || ix.Tip().Hash != want[st.Records-1].BlockHash() {
				t.Fatalf("loaded %d records, tip %+v", st.Records, ix.Tip())
			}
			t.Logf("killed at %d+ records: loaded %d, cut %d bytes", atRecords, st.Records, st.TruncatedBytes)
			if err := appendFlush(s, want[st.Records:]); err != nil {
				t.Fatal(err)
			}
			s.Close()
			got, _ := collect(t, open(t, dir))
			if !slices.Equal(got, want) {
				t.Fatal("store differs from the chain after completing it")
			}
		})
	}
}

func strconvI(n int64) string { return "at " + strconv.FormatInt(n, 10) + " records" }
